package io.kaudit.report;

import io.kaudit.engine.Alert;
import io.kaudit.engine.RunStats;
import io.kaudit.event.Location;
import io.kaudit.rule.Priority;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.kaudit.report.Columns.pad;
import static io.kaudit.report.Columns.padLeft;
import static io.kaudit.report.Columns.padTail;

/**
 * {@code -f summary}: one row per rule that alerted, written at the end: how often, the first and
 * last alert time, where the earliest one is and its output, highest priority first, then the
 * most frequent. What a responder reads first on a large log; memory grows with the rules, not
 * with the alerts.
 */
public final class SummarySink implements Sink {
    private static final int PRIORITY_WIDTH = 13;
    private static final int TIME_WIDTH = Columns.TIME_WIDTH;
    private final Columns columns;
    private final Map<String, Row> rows = new HashMap<>();

    /** What one rule raised so far. */
    private static final class Row {
        final String rule;
        final Priority priority;
        long alerts;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Location firstAt;
        String firstMessage;

        Row(String rule, Priority priority) {
            this.rule = rule;
            this.priority = priority;
        }
    }

    /** @param width maximum row width, or 0 for no limit */
    public SummarySink(Writer out, boolean color, int width) {
        this.columns = new Columns(out, color, width);
    }

    @Override
    public void alert(Alert a) {
        Row r = rows.computeIfAbsent(a.rule(), k -> new Row(a.rule(), a.priority()));
        r.alerts++;
        if (a.timeNanos() < r.first) {   // inputs need not be in time order: the earliest, not the first read
            r.first = a.timeNanos();
            r.firstAt = a.location();
            r.firstMessage = a.message();
        }
        r.last = Math.max(r.last, a.timeNanos());
    }

    @Override
    public void finish(RunStats stats) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparing((Row r) -> r.priority)   // Priority is declared highest first
                .thenComparing(r -> -r.alerts).thenComparing(r -> r.rule));
        int ruleWidth = 4;
        int countWidth = 6;
        int locationWidth = 8;
        for (Row r : sorted) {
            ruleWidth = Math.max(ruleWidth, Math.min(r.rule.length(), 48));
            countWidth = Math.max(countWidth, String.format("%,d", r.alerts).length());
            locationWidth = Math.max(locationWidth, Math.min(64, r.firstAt.toString().length()));
        }
        // On a narrow terminal the first output (who, what, where) matters more than LAST: the location
        // shrinks first, then LAST is left out.
        int fixed = PRIORITY_WIDTH + countWidth + ruleWidth + TIME_WIDTH + 4;
        boolean showLast = columns.roomForOutput(fixed + TIME_WIDTH + 1 + Math.min(16, locationWidth));
        if (showLast) {
            fixed += TIME_WIDTH + 1;
        }
        locationWidth = columns.locationWidth(fixed, locationWidth);
        List<String> header = new ArrayList<>(List.of(pad("PRIORITY", PRIORITY_WIDTH), padLeft("ALERTS", countWidth),
                pad("RULE", ruleWidth), pad("FIRST", TIME_WIDTH)));
        if (showLast) {
            header.add(pad("LAST", TIME_WIDTH));
        }
        header.add(pad("FIRST AT", locationWidth));
        header.add("FIRST OUTPUT");
        columns.row(null, 0, header.toArray(new String[0]));
        for (Row r : sorted) {
            List<String> cells = new ArrayList<>(List.of(pad(r.priority.falcoName(), PRIORITY_WIDTH),
                    padLeft(String.format("%,d", r.alerts), countWidth), columns.fit(r.rule, ruleWidth),
                    pad(Columns.time(r.first), TIME_WIDTH)));
            if (showLast) {
                cells.add(pad(Columns.time(r.last), TIME_WIDTH));
            }
            cells.add(columns.fitTail(Terminal.sanitize(r.firstAt.toString()), locationWidth));
            cells.add(Terminal.sanitize(r.firstMessage));
            columns.row(r.priority, 0, cells.toArray(new String[0]));
        }
    }
}
