package io.kaudit.cli;

import io.kaudit.engine.Engine;
import io.kaudit.engine.RunStats;
import io.kaudit.report.Sink;
import io.kaudit.report.Terminal;
import io.kaudit.rule.Priority;
import io.kaudit.rule.RuleSet;
import io.kaudit.run.MalformedInputException;
import io.kaudit.run.Pipeline;
import io.kaudit.run.Run;
import io.kaudit.source.Input;
import io.kaudit.source.Inputs;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kaudit scan}: the forensic front door. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = {"Scan audit logs (files, folders, globs, .gz, '-' for stdin) and report alerts.",
            "Rotated sets are read in time order; malformed lines are skipped and counted."},
        footer = {"", "Examples:", "  kaudit scan samples/", "  kaudit scan --rule-matching first -f jsonl audit.log",
            "  zcat audit.log.gz | kaudit scan -", "  kaudit scan --since 2h --min-priority warning /var/log/kubernetes/"})
final class ScanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "Files, folders, globs or '-' (default: stdin).")
    List<String> paths = new ArrayList<>();

    @Mixin
    RuleOptions ruleOptions = new RuleOptions();

    @Mixin
    OutputOptions outputOptions = new OutputOptions();

    @Option(names = "--fail-on", paramLabel = "P", converter = Converters.PriorityConverter.class,
            description = "Exit 1 when an alert at or above priority P was raised (for CI).")
    Priority failOn;

    @Option(names = "--strict", description = "Stop with exit 2 at the first malformed line.")
    boolean strict;

    @Option(names = "--max-line", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
            description = "Skip (and count) lines longer than this (default: 64MiB).")
    long maxLine = 64L << 20;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no summary line.")
    boolean quiet;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.ThreadsConverter.class, description = "Worker threads (default: one per core).")
    int threads = Runtime.getRuntime().availableProcessors();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** What folder walks and globs left out. */
    private final Inputs.Skipped skipped = new Inputs.Skipped();

    @Override
    public Integer call() throws Exception {
        RuleSet rules = ruleOptions.loadOrReport(spec.commandLine().getErr());
        if (rules == null) {
            return 2;
        }
        List<Input> inputs;
        try {
            inputs = Inputs.expand(paths, FileSystems.getDefault(), skipped);
        } catch (IOException e) {
            spec.commandLine().getErr().println("kaudit: " + e.getMessage());
            return 2;
        }
        skipped.warnings(10).forEach(w -> spec.commandLine().getErr().println("kaudit: warning: " + w));
        for (Input in : inputs) {
            if (outputOptions.isOutput(in.path())) {
                spec.commandLine().getErr().println("kaudit: -o " + outputOptions.output + " is also an input (" + in.name()
                        + "): kaudit does not write over what it reads; write the alerts elsewhere");
                return 2;
            }
        }
        if (inputs.stream().anyMatch(i -> i.path() == null) && Terminal.isTerminal(0) && !quiet) {
            spec.commandLine().getErr().println("kaudit: reading audit events from stdin (Ctrl-D ends; give a PATH to scan files)");
            spec.commandLine().getErr().flush();
        }
        Engine engine = new Engine(rules, ruleOptions.selection());
        Pipeline pipeline = new Pipeline(outputOptions.projection(rules.projection()), threads, maxLine, strict);
        outputOptions.inputs = inputs.stream().map(Input::name).toList();
        StopHook stop = new StopHook(pipeline::stop, 10);
        int code = 2;
        try {
            code = scan(inputs, engine, pipeline);
            return code;
        } finally {
            stop.finished(code);
            stop.close();
        }
    }

    /** Runs the scan and reports it; returns the exit code. */
    private int scan(List<Input> inputs, Engine engine, Pipeline pipeline) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        long total = inputs.stream().mapToLong(Input::size).sum();
        AtomicLong read = new AtomicLong();
        RunStats stats;
        try (AtomicOutput out = new AtomicOutput(outputOptions.output, spec.commandLine().getOut())) {
            int longestPath = inputs.stream().mapToInt(i -> i.name().length()).max().orElse(0);
            Sink sink = outputOptions.sink(out.writer(), false, longestPath);
            Run run = new Run(engine, sink, ruleOptions.correlator(engine), out.writer());
            run.begin();
            try (Progress progress = new Progress(err, read, total, !quiet && Terminal.isTerminal(2))) {
                pipeline.run(inputs, run, read);
            } catch (MalformedInputException e) {
                err.println("kaudit: malformed input (--strict): " + e.getMessage());
                return 2;
            }
            stats = run.finish();   // a stopped run still closes its document: stdout stays valid JSON
            if (stats.stopped && out.wholeOrNothing()) {
                err.println("kaudit: " + out.name() + " not written: the scan was stopped before the end");
            } else {
                out.commit();
            }
        } catch (IOException e) {
            err.println("kaudit: " + e.getMessage());
            return 2;
        } catch (java.io.UncheckedIOException e) {   // a sink could not write (full disk, closed pipe)
            err.println("kaudit: " + e.getCause().getMessage() + "; scan stopped");
            return 2;
        }
        if (!quiet || stats.stopped) {
            err.println("kaudit: " + stats.summary() + (skipped.notLogs() == 0 ? "" : String.format(
                    ", %,d non-log file%s in folders skipped (.md, .csv, .yaml, ...)", skipped.notLogs(),
                    skipped.notLogs() == 1 ? "" : "s")));
            LogVisibility.line(stats).ifPresent(l -> err.println("kaudit: " + l));
        }
        if (stats.events > 0 && !stats.emptyInputs.isEmpty()) {   // with none at all, the error below says it
            int shown = Math.min(5, stats.emptyInputs.size());
            for (String name : stats.emptyInputs.subList(0, shown)) {
                err.println("kaudit: warning: " + name + ": no audit event in it (not an audit log?)");
            }
            if (stats.emptyInputs.size() > shown) {
                err.printf("kaudit: warning: %,d more inputs held no audit event%n", stats.emptyInputs.size() - shown);
            }
        }
        if (stats.stopped) {
            return 2;
        }
        if (stats.events == 0 && stats.unreadable == 0) {   // silent success is an error: a CI gate must not pass on nothing
            err.println("kaudit: no audit events read from " + (inputs.isEmpty() ? "the folders given (no log files in them)"
                    : String.join(", ", outputOptions.inputs.subList(0, Math.min(3, inputs.size())))
                    + (inputs.size() > 3 ? " and " + (inputs.size() - 3) + " more" : ""))
                    + (stats.malformed > 0 ? "; " + stats.malformed + " malformed line(s): not an audit log?" : ""));
            return 2;
        }
        if (stats.unreadable > 0) {   // the other inputs were scanned, but one could not be: that is exit 2
            if (quiet) {
                err.println("kaudit: " + stats.firstUnreadable);
            }
            return 2;
        }
        if (failOn != null) {
            for (Map.Entry<Priority, Long> e : stats.alertsByPriority.entrySet()) {
                if (e.getKey().atLeast(failOn) && e.getValue() > 0) {
                    return 1;
                }
            }
        }
        return 0;
    }
}
