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
