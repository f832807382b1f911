package io.kaudit.cli;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.event.Location;
import io.kaudit.framing.FrameHandler;
import io.kaudit.live.Checkpoint;
import io.kaudit.live.Tailer;
import io.kaudit.rule.RuleSet;
import io.kaudit.run.LineEvaluator;
import io.kaudit.run.Run;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kaudit follow}: live detection on rotating audit logs, resumable from a checkpoint. */
@Command(name = "follow", mixinStandardHelpOptions = true,
        description = {"Follow live audit logs (tail -f) through rotation and raise alerts as lines arrive.",
            "Starts at the end of each file; with --checkpoint a restart resumes exactly where it stopped."},
        footer = {"", "Examples:", "  kaudit follow -f jsonl /var/log/kubernetes/audit/audit.log",
            "  kaudit follow --checkpoint /var/lib/kaudit/follow.json -o alerts.jsonl -f jsonl audit.log",
            "", "Stops on SIGINT/SIGTERM after flushing alerts and the checkpoint (exit 0)."})
final class FollowCommand implements Callable<Integer> {
    private static final long POLL_MILLIS = 100;
    private static final long CHECKPOINT_MILLIS = 1000;
    private static final long REPORT_MILLIS = 30_000;
    private static final long GLOB_MILLIS = 2000;
    /**
     * The correlations' state goes into the checkpoint every second while it holds at most this many
     * groups (beyond, only at a clean stop: a crash then loses the open windows, never the positions).
     */
    private static final long SAVED_GROUPS = 10_000;

    @Parameters(paramLabel = "PATH", arity = "1..*",
            description = "Log files (they may not exist yet) or globs; rotated backups and .gz files are not followed.")
    List<String> paths = new ArrayList<>();

    @Mixin
    RuleOptions ruleOptions = new RuleOptions();

    @Mixin
    OutputOptions outputOptions = new OutputOptions();

    @Option(names = "--from-start", description = "Read what the files already hold first (unless the checkpoint knows them).")
    boolean fromStart;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Where to record and resume progress.")
    Path checkpointFile;

    @Option(names = "--max-line", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
            description = "Skip (and count) lines longer than this (default: 64MiB).")
    long maxLine = 64L << 20;

    @Option(names = "--rotate-wait", paramLabel = "SECONDS",
            description = "Keep reading a file renamed by rotation this long after the new file appears, for writers "
                    + "still holding it (default: ${DEFAULT-VALUE}, as Fluent Bit's Rotate_Wait).")
    double rotateWait = 5;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private volatile boolean stopping;
    /** The correlations' event count when their state was last put in the checkpoint. */
    private long savedHits = -1;
    /** 0, or 2 once alerts could not be written (follow then stops rather than lose them). */
    private volatile int exitCode;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        for (String arg : paths) {   // a folder holds rotated backups too: which file grows is for the user to say
            if (!io.kaudit.source.Inputs.isGlob(arg) && Files.isDirectory(Path.of(arg))) {
                err.println("kaudit follow: " + arg + " is a folder: give the log file (" + Path.of(arg, "audit.log")
                        + ") or a glob ('" + Path.of(arg, "*.log") + "')");
                return 2;
            }
        }
        // alerts appended to the followed file would be read back, forever; the checkpoint, replaced every
        // second, would wipe the log or the alerts
        for (String arg : paths) {
            Path followed = io.kaudit.source.Inputs.isGlob(arg) ? null : Path.of(arg);
            if (outputOptions.isOutput(followed)) {
                err.println("kaudit follow: -o " + outputOptions.output + " is the file followed (" + arg
                        + "): write the alerts elsewhere");
                return 2;
            }
            if (io.kaudit.source.Inputs.isSameFile(checkpointFile, followed)) {
                err.println("kaudit follow: --checkpoint " + checkpointFile + " is the file followed (" + arg
                        + "): keep the checkpoint elsewhere");
                return 2;
            }
        }
        if (io.kaudit.source.Inputs.isSameFile(checkpointFile, outputOptions.output)) {
            err.println("kaudit follow: --checkpoint and -o are one file (" + checkpointFile + "): keep them apart");
            return 2;
        }
        RuleSet rules = ruleOptions.loadOrReport(err);
        Checkpoint checkpoint = rules == null ? null : loadCheckpoint(err);
        if (checkpoint == null) {
            return 2;
        }
        Engine engine = new Engine(rules, ruleOptions.selection());
        Writer out = outputOptions.openLive(spec.commandLine().getOut());
        outputOptions.inputs = paths;
        Run run = new Run(engine, outputOptions.sink(out, true), ruleOptions.correlator(engine), out);
        run.begin();
        if (checkpoint.correlations() != null) {   // windows open when the last run stopped go on
            try {
                run.resumeCorrelations(checkpoint.correlations());
            } catch (IllegalArgumentException e) {
                err.println("kaudit: warning: " + checkpointFile + ": correlation state not used (" + e.getMessage()
                        + "); correlations start afresh");
            }
        }
        Handler handler = new Handler(run, run.evaluator(outputOptions.projection(rules.projection())), err);

        Map<String, Tailer> tailers = new LinkedHashMap<>();
        WatchService watch = FileSystems.getDefault().newWatchService();
        java.util.Set<Path> watched = new java.util.HashSet<>();
        addTailers(tailers, checkpoint, handler, !fromStart, watch, watched);
        StopHook stop = new StopHook(() -> stopping = true, 10);
        err.println("kaudit: following " + String.join(", ", tailers.keySet()) + " (" + engine.activeRules().size()
                + " rules)");
        err.flush();
        try {
            loop(tailers, checkpoint, handler, run, err, watch, watched);
        } catch (IOException | java.io.UncheckedIOException e) {   // alerts cannot be written: stop, exit 2
            exitCode = 2;
            err.println("kaudit: " + (e instanceof java.io.UncheckedIOException u ? u.getCause() : e).getMessage());
        } finally {
            if (checkpointFile != null) {
                checkpoint.correlations(run.suspendCorrelations());   // a restart goes on with the open windows
                savedHits = run.correlationHits();
            }
            try {
                run.finish();   // without a checkpoint, open windows are judged; closes a json/sarif document
            } catch (IOException | RuntimeException e) {
                exitCode = 2;
                handler.notice("cannot write alerts: " + e.getMessage());
            }
            save(run, tailers, checkpoint, handler);
            for (Tailer t : tailers.values()) {
                long unfinished = t.unfinishedBytes();
                if (unfinished > 0) {
                    err.printf("kaudit: %s: %,d byte%s after the last complete line not read (a line still being written,"
                            + " or lines written as kaudit stopped)%n", t.name(), unfinished, unfinished == 1 ? "" : "s");
                }
            }
            err.println("kaudit: stopped; " + run.stats().summary());
            LogVisibility.line(run.stats()).ifPresent(l -> err.println("kaudit: " + l));
            err.flush();
            for (Tailer t : tailers.values()) {
                t.close();
            }
            stop.finished(exitCode);
            stop.close();
        }
        return exitCode;
    }

    /** The checkpoint (empty when new), or null after saying why it cannot be used. */
    private Checkpoint loadCheckpoint(PrintWriter err) {
        try {
            Path dir = checkpointFile == null ? null : checkpointFile.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new IOException(checkpointFile + ": no such directory for the checkpoint");
            }
            return Checkpoint.load(checkpointFile);
        } catch (IOException e) {
            err.println("kaudit: " + e.getMessage());
            return null;
        }
    }

    /** Polls every file until stopped: on file-system events, else every 100 ms. */
    private void loop(Map<String, Tailer> tailers, Checkpoint checkpoint, Handler handler, Run run, PrintWriter err,
                      WatchService watch, java.util.Set<Path> watched) throws IOException, InterruptedException {
        long lastSave = System.currentTimeMillis();
        long lastReport = lastSave;
        long lastGlob = lastSave;
        long reportedMalformed = 0;
        while (!stopping) {
            for (Tailer t : tailers.values()) {
                try {
                    t.poll(handler);
                } catch (IOException e) {
                    handler.notice(t.name() + ": " + e.getMessage());
                }
                if (stopping) {
                    break;
                }
            }
            if (handler.written) {
                run.flush();   // table output is not flushed per alert by its sink
                handler.written = false;
            }
            long now = System.currentTimeMillis();
            if (now - lastGlob >= GLOB_MILLIS) {
                addTailers(tailers, checkpoint, handler, false, watch, watched);   // files new to a glob
                lastGlob = now;
            }
            if (now - lastSave >= CHECKPOINT_MILLIS) {
                save(run, tailers, checkpoint, handler);
                lastSave = now;
            }
            if (now - lastReport >= REPORT_MILLIS && run.stats().malformed > reportedMalformed) {
                err.println("kaudit: " + run.stats().summary());
                err.flush();
                reportedMalformed = run.stats().malformed;
                lastReport = now;
            }
            var key = watch.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (key != null) {
                key.pollEvents();
                key.reset();
            }
        }
    }

    /**
     * Adds a tailer for each path, and for each file a glob matches that has none yet. Files that
     * look like rotated backups are left alone: they are the followed files renamed.
     */
    private void addTailers(Map<String, Tailer> tailers, Checkpoint checkpoint, Handler handler, boolean startAtEnd,
                            WatchService watch, java.util.Set<Path> watched) throws IOException {
        for (String arg : paths) {
            List<Path> files = new ArrayList<>();
            if (io.kaudit.source.Inputs.isGlob(arg)) {   // as scan reads it: * ? [ and {a,b}
                try {
                    for (io.kaudit.source.Input in : io.kaudit.source.Inputs.expand(List.of(arg), FileSystems.getDefault())) {
                        if (!io.kaudit.source.Inputs.isBackupOrCompressed(in.path().getFileName().toString())
                                && !outputOptions.isOutput(in.path())) {   // the glob may match the -o file
                            files.add(in.path());
                        }
                    }
                } catch (IOException noMatchYet) {
                    // nothing matches yet: look again later
                }
            } else {
                files.add(Path.of(arg));
            }
            for (Path p : files) {
                String name = p.toString();
                if (tailers.containsKey(name)) {
                    continue;
                }
                Tailer t = new Tailer(p, name, maxLine, startAtEnd).rotateWait((long) (rotateWait * 1000));
                Checkpoint.Entry rotated = checkpoint.get(Checkpoint.rotatedKey(name));
                if (rotated != null) {   // stopped within a rotate-wait: the old file's lines came first
                    t.resumeRotated(rotated, handler);
                }
                Checkpoint.Entry e = checkpoint.get(name);
                if (e != null) {
                    t.resume(e, handler);
                }
                t.open();
                tailers.put(name, t);
                Path dir = p.toAbsolutePath().getParent();
                if (dir != null && Files.isDirectory(dir) && watched.add(dir)) {
                    dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                }
            }
        }
    }

    /** Alerts first, then the positions: a checkpoint never claims lines whose alerts were not written. */
    private void save(Run run, Map<String, Tailer> tailers, Checkpoint checkpoint, Handler handler) {
        try {
            run.flush();
            long hits = run.correlationHits();
            if (checkpointFile != null && hits != savedHits) {   // the state that goes with these positions
                checkpoint.correlations(run.correlationGroups() <= SAVED_GROUPS ? run.correlationState() : null);
                savedHits = hits;
            }
            for (Tailer t : tailers.values()) {
                Checkpoint.Entry e = t.position();
                if (e != null) {
                    checkpoint.put(t.name(), e);
                }
                Checkpoint.Entry rotated = t.rotatedPosition();
                if (rotated != null) {
                    checkpoint.put(Checkpoint.rotatedKey(t.name()), rotated);
                } else {
                    checkpoint.remove(Checkpoint.rotatedKey(t.name()));
                }
            }
            checkpoint.save();
        } catch (IOException e) {
            handler.notice("cannot write checkpoint " + checkpointFile + ": " + e.getMessage());
        }
    }

    /** Evaluates each line as it arrives and hands its outcome to the run at once. */
    private static final class Handler implements FrameHandler {
        final Run run;
        final LineEvaluator evaluator;
        final PrintWriter err;
        final List<Alert> alerts = new ArrayList<>();
        /** Shown every event, when a sink wants that (the HTML report's aggregates). */
        final java.util.function.Consumer<io.kaudit.event.AuditEvent> observer;
        /** Alerts went out since the last flush. */
        boolean written;

        Handler(Run run, LineEvaluator evaluator, PrintWriter err) {
            this.run = run;
            this.evaluator = evaluator;
            this.observer = run.observer();
            this.err = err;
        }

        @Override
        public void line(String path, byte[] buf, int from, int limit, long lineNumber) {
            alerts.clear();
            LineEvaluator.Outcome o = evaluator.line(buf, from, limit, path, lineNumber, alerts, observer);
            run.read(1, limit - from, o.events());
            if (o.problem() != null) {
                run.malformed(new Location(path, lineNumber, -1), o.problem());
            }
            written |= run.alerts(alerts) > 0;
        }

        @Override
        public void skipped(String path, long lineNumber, String reason) {
            run.read(1, 0, 0);
            run.malformed(new Location(path, lineNumber, -1), reason);
        }

        @Override
        public void notice(String message) {
            err.println("kaudit: " + message);
            err.flush();
        }
    }
}
