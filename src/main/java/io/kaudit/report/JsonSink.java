package io.kaudit.report;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.engine.Alert;
import io.kaudit.engine.RunStats;
import io.kaudit.event.JsonReader;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/** {@code -f json}: one document, {@code {"alerts": [...], "stats": {...}}}, written as it goes. */
public final class JsonSink implements Sink {
    private final JsonGenerator g;

    public JsonSink(Writer out) throws IOException {
        g = JsonReader.FACTORY.createGenerator(out);
        g.useDefaultPrettyPrinter();
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("alerts");
    }

    @Override
    public void alert(Alert a) {
        try {
            AlertJson.write(g, a);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void finish(RunStats s) throws IOException {
        g.writeEndArray();
        g.writeFieldName("stats");
        writeStats(g, s);
        g.writeEndObject();
        g.flush();
    }

    /** The {@code stats} object of {@code -f json} (the HTML report embeds the same). */
    public static void writeStats(JsonGenerator g, RunStats s) throws IOException {
        g.writeStartObject();
        if (s.stopped) {
            g.writeBooleanField("stopped", true);   // SIGINT/SIGTERM: the alerts are those found so far
        }
        g.writeNumberField("events", s.events);
        g.writeNumberField("lines", s.lines);
        g.writeNumberField("bytes", s.bytes);
        g.writeNumberField("alerts", s.alerts());
        g.writeObjectFieldStart("alerts_by_priority");
        for (Map.Entry<Priority, Long> e : s.alertsByPriority.entrySet()) {
            g.writeNumberField(e.getKey().falcoName(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("alerts_by_rule");
        for (Map.Entry<String, Long> e : s.alertsByRule.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("malformed", s.malformed);
        if (s.firstMalformed != null) {
            g.writeStringField("first_malformed", s.firstMalformed.toString());
        }
        g.writeNumberField("correlation_groups_evicted", s.correlationGroupsEvicted);
        g.writeNumberField("inputs_not_read_to_end", s.incomplete);
        if (s.firstIncomplete != null) {
            g.writeStringField("first_not_read_to_end", s.firstIncomplete + ": " + s.firstIncompleteReason);
        }
        if (s.levels != null) {
            g.writeObjectFieldStart("levels");
            for (Map.Entry<String, Long> e : s.levels.entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("stages");
            for (Map.Entry<String, Long> e : s.stages.entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("visibility", s.visibility == null ? "" : s.visibility);
        }
        g.writeEndObject();
    }
}
