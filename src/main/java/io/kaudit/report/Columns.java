package io.kaudit.report;

import io.kaudit.rule.Priority;
import java.io.IOException;
import java.io.Writer;

/**
 * Aligned text rows for the human formats ({@code table}, {@code summary}): cells padded to their
 * column, the row cut to the terminal width, the priority cell coloured.
 */
final class Columns {
    private final Writer out;
    private final boolean color;
    private final int width;

    /**
     * @param color whether to colour priorities (a terminal that allows it)
     * @param width maximum row width, or 0 for no limit
     */
    Columns(Writer out, boolean color, int width) {
        this.out = out;
        this.color = color;
        this.width = width;
    }

    /**
     * Writes one row of already padded cells; the cell at {@code priorityCell} is coloured by
     * {@code p} (no colour when {@code p} is null, as in a header).
     */
    void row(Priority p, int priorityCell, String... cells) throws IOException {
        String row = String.join(" ", cells);
        if (width > 0 && row.length() > width) {
            row = row.substring(0, Math.max(0, width - 1)) + "…";
        }
        if (color && p != null) {
            int at = 0;
            for (int i = 0; i < priorityCell; i++) {
                at += cells[i].length() + 1;
            }
            if (at < row.length()) {
                int to = Math.min(row.length(), at + cells[priorityCell].length());
                row = row.substring(0, at) + colour(p) + row.substring(at, to) + "\u001b[0m" + row.substring(to);
            }
        }
        out.write(row.stripTrailing());
        out.write('\n');
    }

    private static String colour(Priority p) {
        if (p.atLeast(Priority.ERROR)) {
            return "\u001b[1;31m";
        }
        if (p == Priority.WARNING) {
            return "\u001b[33m";
        }
        return p == Priority.NOTICE ? "\u001b[36m" : "\u001b[2m";
    }

    /** {@code s} padded to {@code w}, or cut with an ellipsis. */
    static String pad(String s, int w) {
        if (s.length() > w) {
            return s.substring(0, w - 1) + "…";
        }
        return s + " ".repeat(w - s.length());
    }

    /** The same, right-aligned (counts). */
    static String padLeft(String s, int w) {
        return s.length() >= w ? s : " ".repeat(w - s.length()) + s;
    }

    /** Keeps the end (file name and line) of a long location. */
    static String padTail(String s, int w) {
        if (s.length() > w) {
            return "…" + s.substring(s.length() - w + 1);
        }
        return s + " ".repeat(w - s.length());
    }

    /** On a terminal, the OUTPUT cell (who did what, where) keeps at least this much of a row. */
    static final int MIN_OUTPUT = 60;

    /**
     * The width of a location column on a terminal: {@code wanted}, or less (not under 16) so that the
     * output cell after {@code fixed} columns keeps {@link #MIN_OUTPUT}; {@code wanted} elsewhere.
     */
    int locationWidth(int fixed, int wanted) {
        if (!cuts()) {
            return wanted;
        }
        return Math.max(Math.min(16, wanted), Math.min(wanted, width - fixed - 1 - MIN_OUTPUT));
    }

    /** Whether a row of {@code fixed} columns leaves the output cell its {@link #MIN_OUTPUT} (always off a terminal). */
    boolean roomForOutput(int fixed) {
        return !cuts() || width - fixed - 1 >= MIN_OUTPUT;
    }

    /** True when rows are cut to a terminal's width (elsewhere no cell is ever cut). */
    boolean cuts() {
        return width > 0;
    }

    /** {@code s} padded to {@code w}, cut only when rows are cut ({@link #pad}, else padded or whole). */
    String fit(String s, int w) {
        return cuts() ? pad(s, w) : s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    /** {@code s} padded to {@code w}, keeping its end when rows are cut ({@link #padTail}), else whole. */
    String fitTail(String s, int w) {
        return cuts() ? padTail(s, w) : s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    /** Width of {@link #time}. */
    static final int TIME_WIDTH = 27;

    /**
     * An alert time as the human formats show it: UTC to the microsecond, the precision of the audit
     * log's timestamps (two events a few microseconds apart stay apart and in order).
     */
    static String time(long nanos) {
        String time = io.kaudit.event.Timestamps.isoUtc(nanos);
        return time.substring(0, 26) + "Z";
    }
}
