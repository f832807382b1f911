package io.kaudit.report;

import io.kaudit.engine.Alert;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * {@code -f csv}: RFC 4180 (CRLF line ends, quotes doubled). Cells that a spreadsheet would run as
 * a formula (starting with = + - @) get a leading apostrophe: audit fields are attacker-controlled.
 */
public final class CsvSink implements Sink {
    private final Writer out;

    public CsvSink(Writer out) {
        this.out = out;
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        out.write("time,priority,rule,message,path,line,index,tags,source,hostname\r\n");
    }

    @Override
    public void alert(Alert a) {
        try {
            String[] cells = {Timestamps.isoUtc(a.timeNanos()), a.priority().falcoName(), a.rule(), a.message(),
                a.location().source(), Long.toString(a.location().line()),
                a.location().index() < 0 ? "" : Integer.toString(a.location().index()), String.join(" ", a.tags()),
                a.source(), a.hostname()};
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(cell(cells[i]));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String cell(String s) {
        if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0) {
            s = "'" + s;
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
