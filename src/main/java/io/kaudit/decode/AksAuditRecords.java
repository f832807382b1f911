package io.kaudit.decode;

import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.util.List;

/**
 * Maps an AKS Log Analytics row (the {@code AKSAudit} / {@code AKSAuditAdmin} tables, exported as
 * JSON) onto the audit Event fields: PascalCase columns to the Event's keys. Object columns exported
 * as JSON text are parsed; {@code "skipped-too-big-size-object"} bodies are left out.
 */
final class AksAuditRecords {
    /** Column, Event key. */
    private static final List<String[]> COLUMNS = List.of(new String[] {"Level", "level"},
            new String[] {"AuditId", "auditID"}, new String[] {"Stage", "stage"}, new String[] {"RequestUri", "requestURI"},
            new String[] {"Verb", "verb"}, new String[] {"User", "user"}, new String[] {"ImpersonatedUser", "impersonatedUser"},
            new String[] {"SourceIps", "sourceIPs"}, new String[] {"UserAgent", "userAgent"}, new String[] {"ObjectRef", "objectRef"},
            new String[] {"ResponseStatus", "responseStatus"}, new String[] {"RequestObject", "requestObject"},
            new String[] {"ResponseObject", "responseObject"}, new String[] {"RequestReceivedTime", "requestReceivedTimestamp"},
            new String[] {"StageReceivedTime", "stageTimestamp"}, new String[] {"Annotations", "annotations"});

    private AksAuditRecords() {
    }

    /** The columns the decoder must keep to map a row (whole: such exports are rare and small). */
    static List<String> columns() {
        return COLUMNS.stream().map(c -> c[0]).toList();
    }

    /** True for a row of those tables. */
    static boolean isRow(JsonObject o) {
        return o.get("AuditId") instanceof JsonString && o.has("Verb");
    }

    static JsonObject toEvent(JsonObject row) {
        JsonObject e = new JsonObject(20);
        e.put("kind", new JsonString("Event"));
        e.put("apiVersion", new JsonString("audit.k8s.io/v1"));
        for (String[] c : COLUMNS) {
            JsonValue v = row.get(c[0]);
            if (v == null || v instanceof JsonString s && s.value().equals("skipped-too-big-size-object")) {
                continue;
            }
            e.put(c[1], structured(v));
        }
        if (!e.has("stageTimestamp") && row.string("TimeGenerated") != null) {
            e.put("stageTimestamp", new JsonString(row.string("TimeGenerated")));
        }
        return e;
    }

    /** Object and array columns may arrive as JSON text. */
    private static JsonValue structured(JsonValue v) {
        if (v instanceof JsonString s) {
            String t = s.value().strip();
            if (t.startsWith("{") || t.startsWith("[")) {
                try {
                    return JsonReader.parse(t, Projection.ALL);
                } catch (IOException notJson) {
                    return v;
                }
            }
        }
        return v;
    }
}
