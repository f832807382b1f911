package io.kaudit.report;

import io.kaudit.engine.Alert;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * {@code -f table}: aligned columns TIME, PRIORITY, RULE, LOCATION, OUTPUT. On a terminal the rows
 * are cut to its width and the priority is coloured (unless NO_COLOR); elsewhere nothing is cut.
 */
public final class TableSink implements Sink {
    private static final int TIME_WIDTH = 24;
    private static final int PRIORITY_WIDTH = 13;
    private final Writer out;
    private final boolean color;
    private final int width;
    private int ruleWidth = 4;
    private int locationWidth = 32;
    private long rows;
    private boolean headerWritten;

    /**
     * @param width          maximum row width, or 0 for no limit
     * @param longestPath    the longest input name, to size the location column (0 if unknown)
     */
    public TableSink(Writer out, boolean color, int width, int longestPath) {
        this.out = out;
        this.color = color;
        this.width = width;
        if (longestPath > 0) {
            this.locationWidth = Math.max(16, Math.min(64, longestPath + 7));   // path:line
        }
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        for (Rule r : rules) {
            ruleWidth = Math.max(ruleWidth, Math.min(r.name().length(), 48));
        }
    }

    @Override
    public void alert(Alert a) {
        try {
            if (!headerWritten) {
                line(pad("TIME", TIME_WIDTH), pad("PRIORITY", PRIORITY_WIDTH), pad("RULE", ruleWidth),
                        pad("LOCATION", locationWidth), "OUTPUT", null);
                headerWritten = true;
            }
            String time = Timestamps.isoUtc(a.timeNanos());
            time = time.substring(0, 23) + "Z";
            line(pad(time, TIME_WIDTH), pad(a.priority().falcoName(), PRIORITY_WIDTH), pad(a.rule(), ruleWidth),
                    padTail(Terminal.sanitize(a.location().toString()), locationWidth), Terminal.sanitize(a.message()), a.priority());
            rows++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void line(String time, String priority, String rule, String location, String message, Priority p)
            throws IOException {
        String row = time + " " + priority + " " + rule + " " + location + " " + message;
        if (width > 0 && row.length() > width) {
            row = row.substring(0, Math.max(0, width - 1)) + "…";
        }
        if (color && p != null) {
            int at = time.length() + 1;
            String code = colour(p);
            row = row.substring(0, at) + code + row.substring(at, Math.min(row.length(), at + priority.length()))
                    + "\u001b[0m" + row.substring(Math.min(row.length(), at + priority.length()));
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

    private static String pad(String s, int w) {
        if (s.length() > w) {
            return s.substring(0, w - 1) + "…";
        }
        return s + " ".repeat(w - s.length());
    }

    /** Keeps the end (file name and line) of a long location. */
    private static String padTail(String s, int w) {
        if (s.length() > w) {
            return "…" + s.substring(s.length() - w + 1);
        }
        return s + " ".repeat(w - s.length());
    }

    public long rows() {
        return rows;
    }
}
