package io.kaudit.decode;

import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;

/**
 * Audit events as the Elastic Agent's Kubernetes integration stores them ({@code kubernetes.audit_logs}):
 * the event under {@code kubernetes.audit}, its annotation keys "dedotted" ('.' made '_':
 * {@code authorization_k8s_io/decision}), the {@code metadata} of request and response objects
 * dropped, and {@code @timestamp} beside it. Exports come as documents, Elasticsearch hits
 * ({@code _source}) or a whole search response ({@code hits.hits}); {@link EnvelopeDecoder} unwraps
 * those, this maps the document onto the event.
 */
final class ElasticDocuments {
    private ElasticDocuments() {
    }

    /** True when {@code doc} holds an audit event the Elastic way. */
    static boolean isAuditDocument(JsonObject doc) {
        return doc.get("kubernetes") instanceof JsonObject k && k.get("audit") instanceof JsonObject a
                && (a.has("auditID") || a.has("verb"));
    }

    static JsonObject toEvent(JsonObject doc) {
        JsonObject audit = doc.object("kubernetes").object("audit");
        JsonObject e = new JsonObject(audit.size() + 2);
        if (!audit.has("kind")) {
            e.put("kind", new JsonString("Event"));
        }
        for (int i = 0; i < audit.size(); i++) {
            String key = audit.keyAt(i);
            JsonValue v = audit.valueAt(i);
            e.put(key, key.equals("annotations") && v instanceof JsonObject a ? redotted(a) : v);
        }
        if (!audit.has("stageTimestamp") && !audit.has("requestReceivedTimestamp") && doc.get("@timestamp") != null) {
            e.put("stageTimestamp", doc.get("@timestamp"));
        }
        return e;
    }

    /**
     * Annotation keys with their dots back: a key's prefix (before '/') is a DNS subdomain, which
     * has no '_', so every '_' there was a '.'.
     */
    private static JsonObject redotted(JsonObject annotations) {
        JsonObject out = new JsonObject(annotations.size());
        for (int i = 0; i < annotations.size(); i++) {
            String key = annotations.keyAt(i);
            int slash = key.indexOf('/');
            String fixed = slash < 0 ? key : key.substring(0, slash).replace('_', '.') + key.substring(slash);
            out.put(fixed.intern(), annotations.valueAt(i));   // interned as the projection's keys are
        }
        return out;
    }
}
