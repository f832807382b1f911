package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Correlator;
import io.kaudit.engine.Engine;
import io.kaudit.engine.EventObserver;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonObject;
import io.kaudit.engine.RunStats;
import io.kaudit.event.Location;
import io.kaudit.event.Projection;
import io.kaudit.report.Sink;
import java.io.Flushable;
import java.io.IOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One run of the rules, whatever the front door: what came in is counted, alerts pass through the
 * correlations (and the once-per-request filter) to the sinks, malformed and unfinished input is
 * counted and handed on, and the run ends once. Scan's pipeline, follow, serve, consume and the
 * REPL only hand it outcomes, in input order. Calls are serialised on {@link #stats()}, which
 * readers on other threads (metrics, progress lines) lock to read it.
 */
public final class Run {
    private final Engine engine;
    private final Sink sink;
    private final Correlator correlator;
    private final Flushable flush;
    private final RunStats stats = new RunStats();
    /** Every evaluator made for this run, whose event times go into the stats when it ends. */
    private final Queue<LineEvaluator> evaluators = new ConcurrentLinkedQueue<>();
    private final Consumer<Alert> emit;
    /** Alerts handed to the sinks so far (what {@link #alert} returns the growth of). */
    private long delivered;
    private boolean ended;
    /** Set once the correlations' state was taken to go on from later: the end leaves their windows open. */
    private boolean suspended;
    private boolean finished;

    /**
     * @param sink       every output of the run, as one ({@link io.kaudit.report.Tee} for several)
     * @param correlator the run's correlation state (the once-per-request filter too)
     * @param flush      what {@link #flush()} writes out (the output, webhooks, a producer)
     */
    public Run(Engine engine, Sink sink, Correlator correlator, Flushable flush) {
        this.engine = engine;
        this.sink = sink;
        this.correlator = correlator;
        this.flush = flush;
        this.emit = a -> {
            delivered++;
            stats.countAlert(a);
            sink.alert(a);
        };
        stats.window = engine.selection().hasWindow();   // the summary then says how many were in it
    }

    /** What the run saw so far; lock it to read it while the run goes on. */
    public RunStats stats() {
        return stats;
    }

    /** A new evaluator for one thread of this run; its event times count in the run's stats. */
    public LineEvaluator evaluator(Projection projection) {
        LineEvaluator e = new LineEvaluator(engine, projection);
        evaluators.add(e);
        return e;
    }

    /** A new observer of every event in the time window for one thread, if a sink wants one (the HTML report); or null. */
    public Consumer<AuditEvent> observer() {
        return EventObserver.of(sink, engine.selection());
    }

    /** Tells the sinks which rules run; call once, before the first outcome. */
    public void begin() throws IOException {
        synchronized (stats) {
            sink.begin(engine.activeRules());
        }
    }

    /** Counts what was read: lines (or records), bytes and the events they held. */
    public void read(long lines, long bytes, long events) {
        synchronized (stats) {
            stats.lines += lines;
            stats.bytes += bytes;
            stats.events += events;
        }
    }

    /** Hands on an alert (or a correlation it completes); returns how many alerts went to the sinks. */
    public int alert(Alert a) {
        synchronized (stats) {
            long before = delivered;
            correlator.accept(a, emit);
            return (int) (delivered - before);
        }
    }

    /** {@link #alert} for each, in order; returns how many alerts went to the sinks. */
    public int alerts(List<Alert> alerts) {
        synchronized (stats) {
            int n = 0;
            for (Alert a : alerts) {
                n += alert(a);
            }
            return n;
        }
    }

    /** A line (a body, a record) skipped as not an audit event; the run goes on. */
    public void malformed(Location where, String reason) {
        synchronized (stats) {
            stats.countMalformed(where, reason);
            sink.malformed(where, reason);
        }
    }

    /** An input not read to its end: the rest of it ({@code nothingRead}: all of it) is lost. */
    public void incomplete(Location where, String reason, boolean nothingRead) {
        synchronized (stats) {
            stats.countIncomplete(where, reason, nothingRead);
            sink.malformed(where, reason);
        }
    }

    /** An input read to its end that held no audit event (not an audit log?). */
    public void noEvents(String input) {
        synchronized (stats) {
            stats.emptyInputs.add(input);
        }
    }

    /** The run was stopped (SIGINT/SIGTERM) before the end of its input: its results are partial. */
    public void stopped() {
        synchronized (stats) {
            stats.stopped = true;
        }
    }

    /** Writes out what the sinks were given (a checkpoint or an offset commit may follow). */
    public void flush() throws IOException {
        flush.flush();
    }

    /** The correlations' state now, to save beside the input positions it goes with. */
    public JsonObject correlationState() {
        synchronized (stats) {
            return correlator.save();
        }
    }

    /** Groups the correlations hold now (what {@link #correlationState} costs). */
    public long correlationGroups() {
        synchronized (stats) {
            return correlator.groups();
        }
    }

    /** Events the correlations counted so far: their state changed when this did. */
    public long correlationHits() {
        synchronized (stats) {
            return correlator.hits();
        }
    }

    /**
     * The correlations' state to go on from after a restart; the run's end then leaves their windows
     * open (a restart continues them) instead of judging them.
     */
    public JsonObject suspendCorrelations() {
        synchronized (stats) {
            suspended = true;
            return correlationState();
        }
    }

    /** Goes on from a state {@link #suspendCorrelations} (or {@link #correlationState}) gave; call before any outcome. */
    public void resumeCorrelations(JsonObject state) {
        synchronized (stats) {
            correlator.restore(state);
        }
    }

    /**
     * Ends the run: events the correlations hold back are counted and open windows judged (their
     * alerts go to the sinks), and the evaluators' event times are added. Idempotent.
     */
    public RunStats end() {
        synchronized (stats) {
            if (!ended) {
                ended = true;
                if (!suspended) {
                    correlator.flush(emit);
                }
                correlator.addTo(stats);
                for (LineEvaluator e = evaluators.poll(); e != null; e = evaluators.poll()) {
                    e.addTimesTo(stats);
                }
                stats.endNanos = System.nanoTime();
            }
            return stats;
        }
    }

    /** Ends the run if not yet, lets the sinks finish (close a document, write a summary) and flushes. Once. */
    public RunStats finish() throws IOException {
        synchronized (stats) {
            end();
            if (!finished) {
                finished = true;
                sink.finish(stats);
            }
        }
        flush();
        return stats;
    }
}
