package io.kaudit.report;

import io.kaudit.engine.Alert;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

import static io.kaudit.report.Columns.pad;
import static io.kaudit.report.Columns.padTail;

/**
 * {@code -f table}: aligned columns TIME, PRIORITY, RULE, LOCATION, OUTPUT. On a terminal the rows
 * are cut to its width (unless --wide), the location shrinking first so that the output (who, what,
 * where) stays readable, and the priority is coloured (unless NO_COLOR); elsewhere nothing is cut,
 * not even a long rule name or path.
 */
public final class TableSink implements Sink {
    private static final int TIME_WIDTH = Columns.TIME_WIDTH;
    private static final int PRIORITY_WIDTH = 13;
    private final Columns columns;
    private int ruleWidth = 4;
    private int locationWidth = 32;
    private long rows;
    private boolean headerWritten;

    /**
     * @param width          maximum row width, or 0 for no limit
     * @param longestPath    the longest input name, to size the location column (0 if unknown)
     */
    public TableSink(Writer out, boolean color, int width, int longestPath) {
        this.columns = new Columns(out, color, width);
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
                // on a narrow terminal the location gives way (its end is kept) before the output does
                locationWidth = columns.locationWidth(TIME_WIDTH + PRIORITY_WIDTH + ruleWidth + 3, locationWidth);
                columns.row(null, 1, pad("TIME", TIME_WIDTH), pad("PRIORITY", PRIORITY_WIDTH), pad("RULE", ruleWidth),
                        pad("LOCATION", locationWidth), "OUTPUT");
                headerWritten = true;
            }
            columns.row(a.priority(), 1, pad(Columns.time(a.timeNanos()), TIME_WIDTH),
                    pad(a.priority().falcoName(), PRIORITY_WIDTH), columns.fit(a.rule(), ruleWidth),
                    columns.fitTail(Terminal.sanitize(a.location().toString()), locationWidth),
                    Terminal.sanitize(a.message()));
            rows++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long rows() {
        return rows;
    }
}
