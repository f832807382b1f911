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
 * a formula (starting with = + - @, TAB or CR, as OWASP advises) get a leading apostrophe: audit fields are attacker-controlled.
 */
public final class CsvSink implements Sink {
    private final Writer out;

    public CsvSink(Writer out) {
        this.out = out;
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        out.write("time,priority,rule,message,path,line,index,tags,source,hostname,user,namespace,source_ip,audit_id\r\n");
    }

    @Override
    public void alert(Alert a) {
        try {
            String[] cells = {Timestamps.isoUtc(a.timeNanos()), a.priority().falcoName(), a.rule(), a.message(),
                a.location().source(), Long.toString(a.location().line()),
                a.location().index() < 0 ? "" : Integer.toString(a.location().index()), String.join(" ", a.tags()),
                a.source(), a.hostname(), who(a), namespace(a), sourceIp(a), a.auditId() == null ? "" : a.auditId()};
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

    private static String who(Alert a) {
        io.kaudit.event.JsonObject user = a.event() == null ? null : a.event().object("user");
        return orField(user == null ? null : user.string("username"), a, "ka.user.name");
    }

    private static String namespace(Alert a) {
        io.kaudit.event.JsonObject ref = a.event() == null ? null : a.event().object("objectRef");
        return orField(ref == null ? null : ref.string("namespace"), a, "ka.target.namespace");
    }

    private static String sourceIp(Alert a) {
        String ip = null;
        if (a.event() != null && a.event().get("sourceIPs") instanceof io.kaudit.event.JsonArray ips && ips.size() > 0
                && ips.get(0) instanceof io.kaudit.event.JsonString s) {
            ip = s.value();
        }
        return orField(ip, a, "jevt.value[/sourceIPs/0]");
    }

    /** {@code value}, else the alert's output field {@code field} (an alert kept without its event), else "". */
    private static String orField(String value, Alert a, String field) {
        if (value != null) {
            return value;
        }
        Object f = a.outputFields() == null ? null : a.outputFields().get(field);
        return f instanceof String s ? s : "";
    }

    static String cell(String s) {
        if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
            s = "'" + s;
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
