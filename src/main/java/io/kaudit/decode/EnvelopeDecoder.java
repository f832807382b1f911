package io.kaudit.decode;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Bytes;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonSyntaxException;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Location;
import io.kaudit.event.ProjectedDecoder;
import io.kaudit.event.Projection;
import io.kaudit.event.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one JSON value (a log line or an HTTP body) into audit events, whatever it is wrapped in:
 * an Event, an EventList, an array of either, an AKS {@code records[]} batch ({@code properties.log}
 * as a string or an object), EKS CloudWatch {@code events[]}/{@code logEvents[]}, a Fluent Bit record
 * (event keys at top level, or the event as a string under {@code log}), a GKE {@code protoPayload}
 * entry, an AKS Log Analytics row (PascalCase columns), an Elastic Agent document
 * ({@code kubernetes.audit}, also as an Elasticsearch hit or search response), or a line with a leading timestamp
 * (CloudWatch S3 export, CRI log).
 */
public final class EnvelopeDecoder {
    private static final String[] STRING_WRAPPERS = {"properties", "log", "log_s", "message", "@message",
        "MESSAGE", "_raw", "input"};
    private static final int MAX_DEPTH = 8;

    private final Projection envelope;

    /** @param eventProjection the parts of an event the rules read; {@link Projection#ALL} for all */
    public EnvelopeDecoder(Projection eventProjection) {
        if (eventProjection.whole()) {
            envelope = Projection.ALL;
            return;
        }
        // Whatever the rules read, events are recognised and timed by these keys.
        Projection event = new Projection().merge(eventProjection);
        for (String k : new String[] {"auditID", "kind", "stageTimestamp", "requestReceivedTimestamp", "timestamp"}) {
            event.add(List.of(k));
        }
        event.add(List.of("metadata", "creationTimestamp"));
        envelope = new Projection().merge(event);
        for (String k : new String[] {"kind", "protoPayload", "insertId", "operation", "timestamp", "labels",
            "messageType", "log_s", "message", "@message", "MESSAGE", "_raw", "TimeGenerated"}) {
            envelope.add(List.of(k));
        }
        for (String k : AksAuditRecords.columns()) {
            envelope.add(List.of(k));
        }
        envelope.link("items", event);
        // Elastic's documents: the event under kubernetes.audit, annotation keys dedotted (kept whole)
        Projection elasticEvent = new Projection().merge(event);
        elasticEvent.add(List.of("annotations"));
        envelope.link("kubernetes", new Projection().link("audit", elasticEvent));
        envelope.add(List.of("@timestamp"));
        envelope.link("_source", envelope);
        envelope.link("hits", new Projection().link("hits", envelope));
        for (String k : new String[] {"records", "events", "logEvents", "properties", "log", "input"}) {
            envelope.link(k, envelope);
        }
    }

    /**
     * What one decode produced: the events in order, a reason if (part of) the input was unusable,
     * and for {@link #decodeLine} where the next line starts.
     */
    public record Result(List<AuditEvent> events, String problem, int next) {
        public Result(List<AuditEvent> events, String problem) {
            this(events, problem, -1);
        }

        Result at(int nextLine) {
            return new Result(events, problem, nextLine);
        }
    }

    /**
     * Decodes the line starting at {@code from} in a buffer of whole lines ending at {@code limit},
     * in one pass: the decoder finds where the line ends. A UTF-8 BOM must already be skipped.
     */
    public Result decodeLine(byte[] buf, int from, int limit, String path, long line) {
        int i = from;
        while (i < limit && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) {
            i++;
        }
        if (i >= limit) {
            return new Result(List.of(), null, limit);
        }
        if (buf[i] == '\n') {
            return new Result(List.of(), null, i + 1);
        }
        if (buf[i] != '{' && buf[i] != '[') {
            int nl = Bytes.indexOfNewline(buf, i, limit);
            int lineEnd = nl < 0 ? limit : nl;
            return decode(buf, i, lineEnd - i, path, line).at(nl < 0 ? limit : nl + 1);
        }
        ProjectedDecoder.Line parsed = ProjectedDecoder.parseLine(buf, i, limit, envelope);
        if (parsed.error != null) {
            int nl = Bytes.indexOfNewline(buf, parsed.errorAt, limit);
            return new Result(List.of(), "invalid JSON: " + parsed.error.getMessage(), nl < 0 ? limit : nl + 1);
        }
        return decode(parsed.value, path, line).at(parsed.next);
    }

    public Result decode(byte[] buf, int off, int len, String path, long line) {
        int start = Bytes.skipBlanks(buf, off, off + len);
        int end = Bytes.trimBlanks(buf, start, off + len);
        if (start == end) {
            return new Result(List.of(), null);
        }
        if (buf[start] != '{' && buf[start] != '[') {
            int json = afterTimestampPrefix(buf, start, end);
            if (json < 0) {
                JsonObject legacy = LegacyAuditLine.parse(buf, start, end);
                return legacy != null ? decode(legacy, path, line)
                        : new Result(List.of(), "not JSON (a line must hold one JSON value)");
            }
            start = json;
        }
        JsonValue v;
        try {
            v = ProjectedDecoder.parse(buf, start, end - start, envelope);
        } catch (JsonSyntaxException e) {
            return new Result(List.of(), "invalid JSON: " + e.getMessage());
        }
        return decode(v, path, line);
    }

    /** Events of an already parsed value (document mode), located at {@code line}. */
    public Result decode(JsonValue v, String path, long line) {
        Ctx ctx = new Ctx();
        unwrap(v, ctx, 0);
        if (ctx.count == 1) {
            return new Result(List.of(new AuditEvent(ctx.roots[0], ctx.times[0],
                    new Location(path, line, ctx.container ? 0 : -1), 0)), ctx.problem);
        }
        List<AuditEvent> events = new ArrayList<>(ctx.count);
        for (int i = 0; i < ctx.count; i++) {
            events.add(new AuditEvent(ctx.roots[i], ctx.times[i], new Location(path, line, ctx.container ? i : -1), i));
        }
        return new Result(events, ctx.problem);
    }

    /** What unwrapping found; sized for the usual single event, growing for batches. */
    private static final class Ctx {
        JsonObject[] roots = new JsonObject[1];
        long[] times = new long[1];
        int count;
        boolean container;

        void add(JsonObject root, long time) {
            if (count == roots.length) {
                roots = java.util.Arrays.copyOf(roots, count * 2);
                times = java.util.Arrays.copyOf(times, count * 2);
            }
            roots[count] = root;
            times[count++] = time;
        }

        String problem;

        void fail(String why) {
            if (problem == null) {
                problem = why;
            }
        }
    }

    private void unwrap(JsonValue v, Ctx ctx, int depth) {
        if (depth > MAX_DEPTH) {
            ctx.fail("wrapped too deeply");
            return;
        }
        if (v instanceof JsonArray a) {
            ctx.container = true;
            for (JsonValue item : a.items()) {
                unwrap(item, ctx, depth + 1);
            }
            return;
        }
        if (v instanceof JsonString s) {
            String text = s.value().strip();
            try {
                unwrap(JsonReader.parse(text, envelope), ctx, depth + 1);
            } catch (IOException e) {
                ctx.fail("invalid JSON in a wrapped event: " + JsonReader.message(e));
            }
            return;
        }
        if (!(v instanceof JsonObject o)) {
            ctx.fail("data not recognized as a k8s audit event");
            return;
        }
        String kind = o.string("kind");
        if ("EventList".equals(kind)) {
            ctx.container = true;
            if (!(o.get("items") instanceof JsonArray items)) {
                ctx.fail("EventList without an items array");
                return;
            }
            for (JsonValue item : items.items()) {
                if (item instanceof JsonObject event) {
                    event(event, ctx);
                } else {
                    ctx.fail("EventList item is not an object");
                }
            }
        } else if (o.has("auditID") || "Event".equals(kind)) {
            event(o, ctx);
        } else if (o.get("protoPayload") instanceof JsonObject pp) {
            event(GkeEvents.toEvent(o, pp), ctx);
        } else if (ElasticDocuments.isAuditDocument(o)) {
            event(ElasticDocuments.toEvent(o), ctx);
        } else if (o.get("_source") instanceof JsonObject source) {
            unwrap(source, ctx, depth + 1);   // an Elasticsearch hit
        } else if (o.get("hits") instanceof JsonObject hits && hits.get("hits") instanceof JsonArray found) {
            batch(found, ctx, depth);         // a search response
        } else if (AksAuditRecords.isRow(o)) {
            event(AksAuditRecords.toEvent(o), ctx);
        } else if (o.get("records") instanceof JsonArray records) {
            batch(records, ctx, depth);
        } else if (o.get("logEvents") instanceof JsonArray logEvents) {
            if (!"CONTROL_MESSAGE".equals(o.string("messageType"))) {
                batch(logEvents, ctx, depth);
            }
        } else if (o.get("events") instanceof JsonArray events) {
            batch(events, ctx, depth);
        } else {
            for (String key : STRING_WRAPPERS) {
                JsonValue inner = o.get(key);
                if (inner instanceof JsonString || inner instanceof JsonObject) {
                    unwrap(inner, ctx, depth + 1);
                    return;
                }
            }
            ctx.fail("data not recognized as a k8s audit event");
        }
    }

    private void batch(JsonArray items, Ctx ctx, int depth) {
        ctx.container = true;
        for (JsonValue item : items.items()) {
            unwrap(item, ctx, depth + 1);
        }
    }

    private static void event(JsonObject o, Ctx ctx) {
        String ts = timestampOf(o);
        if (ts == null) {
            ctx.fail("event " + idOf(o) + "has no stageTimestamp");
            return;
        }
        try {
            ctx.add(o, Timestamps.parse(ts));
        } catch (IllegalArgumentException e) {
            ctx.fail("event " + idOf(o) + "has a bad stageTimestamp: " + e.getMessage());
        }
    }

    /** stageTimestamp, else requestReceivedTimestamp, else v1beta1's timestamp or metadata.creationTimestamp. */
    private static String timestampOf(JsonObject o) {
        String ts = o.string("stageTimestamp");
        if (ts == null) {
            ts = o.string("requestReceivedTimestamp");
        }
        if (ts == null) {
            ts = o.string("timestamp");
        }
        if (ts == null && o.object("metadata") != null) {
            ts = o.object("metadata").string("creationTimestamp");
        }
        return ts;
    }

    private static String idOf(JsonObject o) {
        String id = o.string("auditID");
        return id == null ? "" : id + " ";
    }

    /** For {@code 2024-01-01T00:00:00.000Z {...}} or {@code <ts> stdout F {...}}: where the JSON starts, or -1. */
    private static int afterTimestampPrefix(byte[] buf, int start, int end) {
        if (buf[start] < '0' || buf[start] > '9') {
            return -1;
        }
        for (int i = start + 1; i < end && i < start + 80; i++) {
            if ((buf[i] == '{' || buf[i] == '[') && buf[i - 1] == ' ') {
                return i;
            }
        }
        return -1;
    }

}
