package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.engine.RunStats;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Bytes;
import io.kaudit.event.Location;
import io.kaudit.event.Projection;
import io.kaudit.framing.Chunk;
import io.kaudit.framing.ChunkReader;
import io.kaudit.framing.FrameHandler;
import io.kaudit.framing.InputFormat;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * scan's pipeline: source -> framing -> decode -> engine -> {@link Run}. A reader thread cuts inputs
 * into chunks of whole lines; workers on every core split, decode (only the projected fields) and
 * evaluate them; results are handed to the listener strictly in input order, with absolute line
 * numbers. Memory is bounded by the number of chunks in flight, whatever the input size.
 */
public final class Pipeline {

    private static final String OUT_OF_MEMORY = "out of memory (a line of many MiB?): lower --max-line, or give the"
            + " JVM more heap with KAUDIT_JAVA_OPTS=-Xmx2g";

    /**
     * Chunks in flight per worker. Results leave in input order, so while the oldest chunk is
     * still being evaluated the others can only run ahead this far: at 4 the workers sat idle 7-10% of
     * a 1 GiB scan waiting for work, at 16 under 1% (about 9 MiB of buffers for two workers).
     */
    private static final int WINDOW = 16;

    /**
     * Alerts evaluated but not yet handed on, beyond which the reader waits. Each holds its event
     * (some KiB): a log where every short line alerts, and feeds correlations, held some 80,000 of
     * them in the chunks of the window and ran out of the launcher's heap.
     */
    static final int MAX_ALERTS_AHEAD = 10_000;
    private final AtomicLong alertsAhead = new AtomicLong();

    private final Projection projection;
    private final int threads;
    private final long maxLine;
    private final boolean strict;
    /** Set by {@link #stop()} (SIGINT/SIGTERM): the run ends after the result it is handing on. */
    private volatile boolean stopRequested;
    /** The current run's evaluators, one per thread (the workers and the reader). */
    private ThreadLocal<LineEvaluator> evaluators;

    public Pipeline(Projection projection, int threads, long maxLine, boolean strict) {
        this.projection = projection;
        this.threads = Math.max(1, threads);
        this.maxLine = maxLine;
        this.strict = strict;
    }

    /**
     * Ends the current run early, from another thread: results already handed on stay, the rest are
     * dropped, and the stats say the run was stopped. The run is never handed results concurrently.
     */
    public void stop() {
        stopRequested = true;
    }

    /** The next result in input order, or null once {@link #stop()} was called. */
    private Result next(BlockingQueue<Future<Result>> pending) throws InterruptedException, ExecutionException {
        Future<Result> f = null;
        while (f == null) {
            if (stopRequested) {
                return null;
            }
            f = pending.poll(100, TimeUnit.MILLISECONDS);
        }
        while (true) {
            if (stopRequested) {
                return null;
            }
            try {
                return f.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                // look at the stop flag again
            }
        }
    }

    /** How much of its input a problem costs. */
    private enum Loss { LINE, REST_OF_INPUT, WHOLE_INPUT }

    /**
     * A problem on one line, numbered within its chunk; or an input not read to its end (a gzip
     * copied while being written: the rest of it; a format kaudit does not read: all of it).
     */
    private record Bad(long line, String reason, Loss loss) {
        Bad(long line, String reason) {
            this(line, reason, Loss.LINE);
        }
    }

    /** What a worker made of one chunk (or the reader of one document). */
    private record Result(Chunk chunk, long lines, long bytes, long events, List<Alert> alerts, List<Bad> bad,
                          IOException failure) {
    }

    /**
     * Reads every input in order and hands the outcomes to {@code run}, then ends it (the caller
     * finishes it: a stopped run still closes its document).
     *
     * @param rawBytes counts bytes read from disk, for progress display
     * @throws IOException naming the input that could not be read
     * @throws MalformedInputException with --strict, at the first malformed line
     */
    public RunStats run(List<Input> inputs, Run run, AtomicLong rawBytes) throws IOException {
        evaluators = ThreadLocal.withInitial(() -> run.evaluator(projection));
        alertsAhead.set(0);
        ExecutorService workers = Executors.newFixedThreadPool(threads, daemon("kaudit-worker"));
        BlockingQueue<Future<Result>> pending = new ArrayBlockingQueue<>(threads * WINDOW);
        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(threads * WINDOW + 4);
        // each thread's observer of every event, if a sink wants one (the HTML report's aggregates)
        ThreadLocal<Consumer<AuditEvent>> observers = ThreadLocal.withInitial(run::observer);
        Thread reader = daemon("kaudit-reader").newThread(() -> readAll(inputs, rawBytes, workers, pending, buffers,
                observers));
        reader.start();
        // events per input, to name the inputs that held none (a file that is not an audit log, among others)
        Map<Input, long[]> eventsByInput = new IdentityHashMap<>();
        Set<Input> unreadable = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        boolean stopped = false;
        try {
            Input current = null;
            long base = 0;
            while (true) {
                Result r = next(pending);
                if (r == null) {
                    stopped = stopRequested;
                    break;
                }
                if (r.failure() != null) {
                    throw r.failure();
                }
                if (r.chunk().input() != current) {
                    current = r.chunk().input();
                    base = 0;
                }
                for (Bad b : r.bad()) {
                    Location where = new Location(current.name(), Math.max(1, base + b.line()), -1);
                    if (strict) {
                        throw new MalformedInputException(where, b.reason());
                    }
                    if (b.loss() == Loss.WHOLE_INPUT) {
                        unreadable.add(current);
                    }
                    if (b.loss() != Loss.LINE) {
                        run.incomplete(where, b.reason(), b.loss() == Loss.WHOLE_INPUT);
                    } else {
                        run.malformed(where, b.reason());
                    }
                }
                for (Alert a : r.alerts()) {
                    run.alert(a.atLine(base + a.location().line()));
                }
                alertsAhead.addAndGet(-r.alerts().size());
                base += r.lines();
                byte[] used = r.chunk().data();
                if (used != null && used.length == ChunkReader.CHUNK_SIZE) {
                    buffers.offer(used);   // nothing refers to a consumed chunk any more
                }
                run.read(r.lines(), r.bytes(), r.events());
                eventsByInput.computeIfAbsent(current, k -> new long[1])[0] += r.events();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof OutOfMemoryError) {
                throw new IOException(OUT_OF_MEMORY);
            }
            throw new IOException(c);
        } finally {
            reader.interrupt();
            workers.shutdownNow();
        }
        if (stopped) {
            run.stopped();
        } else {
            for (Input i : inputs) {
                long[] n = eventsByInput.get(i);
                if ((n == null || n[0] == 0) && !unreadable.contains(i)) {
                    run.noEvents(i.name());
                }
            }
        }
        // every result was taken: the workers and the reader are done with their evaluators
        return run.end();
    }

    /** Reports {@code input} as read only up to here (a line of 0 in {@code why}: its last line read). */
    private static void notReadToTheEnd(BlockingQueue<Future<Result>> pending, Input input, Bad why) {
        Chunk end = new Chunk(input, null, 0, false, 0);
        submit(pending, CompletableFuture.completedFuture(new Result(end, 0, 0, 0, List.of(), List.of(why), null)));
    }

    private void readAll(List<Input> inputs, AtomicLong rawBytes, ExecutorService workers,
                         BlockingQueue<Future<Result>> pending, BlockingQueue<byte[]> buffers,
                         ThreadLocal<Consumer<AuditEvent>> observers) {
        ChunkReader framer = new ChunkReader(maxLine, buffers);
        try {
            for (Input input : inputs) {
                try (InputStream in = input.open(rawBytes)) {
                    InputFormat format = InputFormat.of(in);
                    if (format.documents()) {
                        readDocuments(input, in, pending, format, observers.get());
                    } else {
                        framer.read(input, format.lines(in, maxLine), chunk -> {
                            awaitAlertsHandedOn();
                            submit(pending, workers.submit(() -> process(chunk, observers.get())));
                        });
                    }
                } catch (Input.CutShortException e) {
                    // a gzip copied while being written: what came before the cut is read, and the others
                    notReadToTheEnd(pending, input, new Bad(0, e.getMessage(), Loss.REST_OF_INPUT));
                } catch (Input.UnreadableFormatException e) {
                    notReadToTheEnd(pending, input, new Bad(1, e.getMessage(), Loss.WHOLE_INPUT));   // the others are read
                } catch (IOException e) {
                    fail(pending, new IOException(input.name() + ": cannot read: " + e.getMessage(), e));
                    return;
                } catch (OutOfMemoryError e) {
                    fail(pending, new IOException(input.name() + ": " + OUT_OF_MEMORY));
                    return;
                } catch (RuntimeException e) {
                    if (e instanceof UncheckedIOException) {
                        throw e;   // interrupted: the run is over
                    }
                    fail(pending, new IOException(input.name() + ": " + e, e));
                    return;
                }
            }
        } catch (UncheckedIOException e) {
            return;
        } finally {
            try {
                pending.put(CompletableFuture.completedFuture(null));
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Document mode runs on the reader thread: such inputs are rare and small next to JSON Lines.
     * Broken documents are reported one by one; an I/O error ends the run like one in line mode.
     */
    private void readDocuments(Input input, InputStream in, BlockingQueue<Future<Result>> pending, InputFormat format,
                               Consumer<AuditEvent> observer) throws IOException {
        Chunk chunk = new Chunk(input, null, 0, false, 0);
        LineEvaluator evaluator = evaluators.get();
        io.kaudit.source.CountingStream counted = new io.kaudit.source.CountingStream(in);   // for the stats
        readDocumentsCounted(input, counted, pending, format, observer, chunk, evaluator);
        // the input's lines and bytes, once its documents are handed on
        submit(pending, CompletableFuture.completedFuture(new Result(chunk, counted.lines(), counted.bytes(), 0, List.of(),
                List.of(), null)));
    }

    private void readDocumentsCounted(Input input, InputStream in, BlockingQueue<Future<Result>> pending,
                                      InputFormat format, Consumer<AuditEvent> observer, Chunk chunk,
                                      LineEvaluator evaluator) throws IOException {
        format.readDocuments(in, input.name(), new FrameHandler() {
            @Override
            public void value(String path, io.kaudit.event.JsonValue value, long line) {
                List<Alert> alerts = new ArrayList<>();
                LineEvaluator.Outcome o = evaluator.value(value, input.name(), line, alerts, observer);
                List<Bad> bad = o.problem() == null ? List.of() : List.of(new Bad(line, o.problem()));
                alertsAhead.addAndGet(alerts.size());
                submit(pending, CompletableFuture.completedFuture(new Result(chunk, 0, 0, o.events(), alerts, bad, null)));
                awaitAlertsHandedOn();
            }

            @Override
            public void skipped(String path, long line, String reason) {
                submit(pending, CompletableFuture.completedFuture(new Result(chunk, 0, 0, 0, List.of(),
                        List.of(new Bad(line, reason)), null)));
            }
        });
    }

    /** Waits while too many alerts wait to be handed on (they come from chunks before this one: no deadlock). */
    private void awaitAlertsHandedOn() {
        while (alertsAhead.get() > MAX_ALERTS_AHEAD && !stopRequested) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new IOException("interrupted"));
            }
        }
    }

    /** Ends the run with {@code failure} (reported in order, after what came before). */
    private static void fail(BlockingQueue<Future<Result>> pending, IOException failure) {
        submit(pending, CompletableFuture.completedFuture(new Result(null, 0, 0, 0, List.of(), List.of(), failure)));
    }

    private static void submit(BlockingQueue<Future<Result>> pending, Future<Result> f) {
        try {
            pending.put(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }

    /** Splits, decodes and evaluates one chunk; line numbers are relative to the chunk. */
    private Result process(Chunk chunk, Consumer<AuditEvent> observer) {
        if (chunk.data() == null) {
            return new Result(chunk, 1, chunk.oversized(), 0, List.of(), List.of(new Bad(1, tooLong(chunk.oversized()))),
                    null);
        }
        byte[] data = chunk.data();
        int len = chunk.length();
        String name = chunk.input().name();
        List<Alert> alerts = new ArrayList<>();
        List<Bad> bad = new ArrayList<>();
        LineEvaluator evaluator = evaluators.get();
        long events = 0;
        long line = 0;
        int pos = chunk.fileStart() ? Bytes.bomLength(data, len) : 0;
        while (pos < len) {
            line++;
            int start = pos;
            if (len - start > maxLine) {
                // A line here may be over --max-line: measure it before it is evaluated, so that a skipped
                // line is not seen by the observers (levels, report tallies) or the time span either.
                // (Never reached with the default 64 MiB: a chunk is smaller.)
                int newline = Bytes.indexOfNewline(data, start, len);
                int length = (newline < 0 ? len : newline) - start;
                if (length > maxLine) {
                    bad.add(new Bad(line, tooLong(length)));
                    pos = newline < 0 ? len : newline + 1;
                    continue;
                }
            }
            LineEvaluator.Outcome o = evaluator.line(data, start, len, name, line, alerts, observer);
            pos = o.next();
            if (o.problem() != null) {
                bad.add(new Bad(line, o.problem()));
            }
            events += o.events();
        }
        alertsAhead.addAndGet(alerts.size());
        return new Result(chunk, line, len, events, alerts, bad, null);
    }

    private String tooLong(long length) {
        return "line longer than --max-line (" + length + " > " + maxLine + " bytes), skipped";
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
