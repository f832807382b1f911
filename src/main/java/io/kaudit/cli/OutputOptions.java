package io.kaudit.cli;

import io.kaudit.report.CsvSink;
import io.kaudit.report.JsonSink;
import io.kaudit.report.JsonlSink;
import io.kaudit.report.SarifSink;
import io.kaudit.report.Sink;
import io.kaudit.report.SummarySink;
import io.kaudit.report.TableSink;
import io.kaudit.report.Terminal;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -f/--format} and {@code -o/--output}. */
final class OutputOptions {
    enum Format { table, jsonl, json, csv, sarif, summary }

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write to FILE instead of stdout (whole or not at all).")
    Path output;

    /** A sink of the chosen format writing to {@code out}; {@code live} flushes each alert. */
    Sink sink(Writer out, boolean live) throws IOException {
        return sink(out, live, 0);
    }

    /** The same, with the longest input name known (the table sizes its location column to it). */
    Sink sink(Writer out, boolean live, int longestPath) throws IOException {
        boolean tty = output == null && Terminal.isTerminal(1);
        switch (format) {
            case jsonl:
                return new JsonlSink(out, live);
            case json:
                return new JsonSink(out);
            case csv:
                return new CsvSink(out);
            case sarif:
                return new SarifSink(out, Version.VERSION);
            case summary:
                return new SummarySink(out, tty && Terminal.colorAllowed(), tty ? Terminal.width() : 0);
            default:
                return new TableSink(out, tty && Terminal.colorAllowed(), tty ? Terminal.width() : 0, longestPath);
        }
    }
}
