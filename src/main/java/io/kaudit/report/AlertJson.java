package io.kaudit.report;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.engine.Alert;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Timestamps;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Writes an alert as Falco's JSON alert object plus {@code location}: the shape Falcosidekick accepts. */
public final class AlertJson {
    private AlertJson() {
    }

    public static void write(JsonGenerator g, Alert a) throws IOException {
        g.writeStartObject();
        g.writeStringField("time", Timestamps.isoUtc(a.timeNanos()));
        g.writeStringField("rule", a.rule());
        g.writeStringField("priority", a.priority().falcoName());
        g.writeStringField("source", a.source());
        g.writeArrayFieldStart("tags");
        for (String t : a.tags()) {
            g.writeString(t);
        }
        g.writeEndArray();
        g.writeStringField("output", a.output());
        g.writeObjectFieldStart("output_fields");
        for (Map.Entry<String, Object> e : a.outputFields().entrySet()) {
            g.writeFieldName(e.getKey());
            Object v = e.getValue();
            if (v == null) {
                g.writeNull();
            } else if (v instanceof Long n) {
                g.writeNumber(n);
            } else if (v instanceof List<?> list) {
                g.writeStartArray();
                for (Object o : list) {
                    g.writeString(String.valueOf(o));
                }
                g.writeEndArray();
            } else {
                g.writeString(v.toString());
            }
        }
        g.writeEndObject();
        g.writeStringField("hostname", a.hostname());
        if (a.auditId() != null && !a.auditId().isEmpty()) {
            g.writeStringField("auditID", a.auditId());   // to find the event's other stages and join other logs
        }
        g.writeObjectFieldStart("location");
        if (a.location().isRecord()) {
            g.writeStringField("topic", a.location().path());
            g.writeNumberField("partition", a.location().partition());
            g.writeNumberField("offset", a.location().line());
        } else {
            g.writeStringField("path", a.location().path());
            g.writeNumberField("line", a.location().line());
        }
        if (a.location().index() >= 0) {
            g.writeNumberField("index", a.location().index());
        }
        g.writeEndObject();
        if (a.sigmaId() != null && !a.sigmaId().isEmpty()) {
            g.writeStringField("sigma_id", a.sigmaId());
        }
        if (a.correlation() != null) {
            correlation(g, a.correlation());
        }
        g.writeEndObject();
    }

    /** A correlation alert's group, window and contributing events. */
    private static void correlation(JsonGenerator g, Alert.CorrelationMatch c) throws IOException {
        g.writeObjectFieldStart("correlation");
        g.writeStringField("type", c.type());
        g.writeObjectFieldStart("group_by");
        for (Map.Entry<String, String> e : c.groupBy().entrySet()) {
            if (e.getValue() == null) {
                g.writeNullField(e.getKey());
            } else {
                g.writeStringField(e.getKey(), e.getValue());
            }
        }
        g.writeEndObject();
        g.writeStringField("window_start", Timestamps.isoUtc(c.windowStartNanos()));
        g.writeStringField("window_end", Timestamps.isoUtc(c.windowEndNanos()));
        g.writeNumberField("count", c.count());
        g.writeArrayFieldStart("events");
        for (io.kaudit.event.Location l : c.events()) {
            g.writeStartObject();
            if (l.isRecord()) {
                g.writeStringField("topic", l.path());
                g.writeNumberField("partition", l.partition());
                g.writeNumberField("offset", l.line());
            } else {
                g.writeStringField("path", l.path());
                g.writeNumberField("line", l.line());
            }
            if (l.index() >= 0) {
                g.writeNumberField("index", l.index());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** The alert as one line of JSON. */
    public static String toJson(Alert a) {
        StringWriter w = new StringWriter(512);
        try (JsonGenerator g = JsonReader.FACTORY.createGenerator(w)) {
            write(g, a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
