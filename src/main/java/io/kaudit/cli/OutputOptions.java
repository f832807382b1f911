package io.kaudit.cli;

import io.kaudit.event.Projection;
import io.kaudit.report.CsvSink;
import io.kaudit.report.JsonSink;
import io.kaudit.report.JsonlSink;
import io.kaudit.report.SarifSink;
import io.kaudit.report.Sink;
import io.kaudit.report.SummarySink;
import io.kaudit.report.TableSink;
import io.kaudit.report.html.HtmlSink;
import io.kaudit.report.Terminal;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code -f/--format} and {@code -o/--output}. */
final class OutputOptions {
    enum Format { table, jsonl, json, csv, sarif, summary, html }

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    /** The -o file, or null for stdout. */
    Path output;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write to FILE instead of stdout ('-': stdout; scan: whole or not at all; follow, serve, consume: appended to, but -f html replaces it).")
    void output(Path file) {
        output = file.toString().equals("-") ? null : file;   // as '-' names stdin among the inputs
    }

    @Option(names = "--html-max-alerts", paramLabel = "N",
            description = "-f html: show at most N alerts, the highest priorities first (default: ${DEFAULT-VALUE}); counts stay complete.")
    int htmlMaxAlerts = HtmlSink.DEFAULT_MAX_ALERTS;

    @Option(names = "--wide", description = "table and summary on a terminal: full rows, nothing cut to its width.")
    boolean wide;

    /** The inputs' names, for the HTML report's overview. */
    List<String> inputs = List.of();

    /**
     * How follow, serve and consume open {@code -o FILE}: appended to, but an HTML report (one page, written
     * when they stop) replaces the file.
     */
    java.nio.file.OpenOption whole() {
        return format == Format.html ? java.nio.file.StandardOpenOption.TRUNCATE_EXISTING : java.nio.file.StandardOpenOption.APPEND;
    }

    /**
     * Where a live command (follow, serve, consume) writes alerts: stdout, or {@code -o FILE} opened as
     * {@link #whole()} says; either way through a {@link NamedWriter}, so a write error is fatal and names it.
     */
    Writer openLive(java.io.PrintWriter stdout) throws IOException {
        return new java.io.BufferedWriter(output == null ? NamedWriter.stdout(stdout)
                : new NamedWriter(java.nio.file.Files.newBufferedWriter(output, java.nio.charset.StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, whole()), output.toString()));
    }

    /** Whether {@code p} is the -o file itself (however named or linked): kaudit never writes over what it reads. */
    boolean isOutput(Path p) {
        return io.kaudit.source.Inputs.isSameFile(output, p);
    }

    /**
     * The projection a run needs: the rules', the level and stage of every event (what the log lets
     * rules see, {@link LogVisibility}), and for the HTML report the fields of its aggregates.
     */
    Projection projection(Projection rules) {
        Projection p = new Projection().merge(format == Format.html ? HtmlSink.projection(rules) : rules);
        io.kaudit.engine.AuditLevels.PATHS.forEach(p::add);
        return p;
    }

    /** A sink of the chosen format writing to {@code out}; {@code live} flushes each alert. */
    Sink sink(Writer out, boolean live) throws IOException {
        return sink(out, live, 0);
    }

    /**
     * The same, with the longest input name known (the table sizes its location column to it). The
     * log's visibility comes first: it fills the stats the format's summary shows.
     */
    Sink sink(Writer out, boolean live, int longestPath) throws IOException {
        return io.kaudit.report.Tee.of(java.util.List.of(new LogVisibility(), format(out, live, longestPath)));
    }

    private Sink format(Writer out, boolean live, int longestPath) throws IOException {
        boolean tty = output == null && Terminal.isTerminal(1);
        switch (format) {
            case html:
                return new HtmlSink(out, new HtmlSink.Options(inputs, Math.max(0, htmlMaxAlerts), Version.VERSION));
            case jsonl:
                return new JsonlSink(out, live);
            case json:
                return new JsonSink(out);
            case csv:
                return new CsvSink(out);
            case sarif:
                return new SarifSink(out, Version.VERSION);
            case summary:
                return new SummarySink(out, tty && Terminal.colorAllowed(), tty && !wide ? Terminal.width() : 0);
            default:
                return new TableSink(out, tty && Terminal.colorAllowed(), tty && !wide ? Terminal.width() : 0, longestPath);
        }
    }
}
