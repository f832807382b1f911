package io.kaudit.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonWriter;
import io.kaudit.event.Projection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every wrapper an audit event arrives in, down to the same event. */
class EnvelopeDecoderTest {
    private static final String EVENT = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"e1\","
            + "\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"user\":{\"username\":\"bob\"},"
            + "\"stageTimestamp\":\"2026-03-14T09:00:01.5Z\"}";

    private static EnvelopeDecoder.Result decode(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return new EnvelopeDecoder(Projection.ALL).decode(b, 0, b.length, "f", 7);
    }

    private static void assertOneEvent(String line) {
        EnvelopeDecoder.Result r = decode(line);
        assertNull(r.problem(), line);
        assertEquals(1, r.events().size(), line);
        AuditEvent e = r.events().get(0);
        assertEquals("bob", ((io.kaudit.event.JsonObject) e.root().get("user")).string("username"));
        assertEquals(1773478801_500_000_000L, e.timeNanos());
        assertEquals(7, e.location().line());
    }

    @Test
    void nativeShapes() {
        assertOneEvent(EVENT);
        assertOneEvent("  " + EVENT + " \t");
        assertOneEvent(EVENT.replace("\"kind\":\"Event\",", ""));
        assertOneEvent("{\"kind\":\"EventList\",\"items\":[" + EVENT + "]}");
        assertOneEvent("[" + EVENT + "]");
        EnvelopeDecoder.Result list = decode("{\"kind\":\"EventList\",\"items\":[" + EVENT + "," + EVENT + "]}");
        assertEquals(List.of(0, 1), list.events().stream().map(e -> e.location().index()).toList());
        assertEquals(-1, decode(EVENT).events().get(0).location().index());
    }

    @Test
    void cloudAndCollectorShapes() {
        String quoted = JsonWriter.quote(EVENT + "\n");
        assertOneEvent("{\"records\":[{\"category\":\"kube-audit\",\"properties\":{\"log\":" + quoted + ",\"stream\":\"stdout\"}}]}");
        assertOneEvent("{\"records\":[{\"category\":\"kube-audit\",\"properties\":{\"log\":" + EVENT + "}}]}");
        assertOneEvent("{\"Category\":\"kube-audit\",\"log_s\":" + quoted + "}");
        assertOneEvent("{\"events\":[{\"logStreamName\":\"kube-apiserver-audit-1\",\"timestamp\":1,\"message\":" + quoted + "}]}");
        assertOneEvent("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"id\":\"1\",\"message\":" + quoted + "}]}");
        assertOneEvent(EVENT.replace("{\"kind\"", "{\"date\":1706000000.123,\"kind\""));
        assertOneEvent("{\"date\":1706000000.1,\"log\":" + quoted + "}");
        assertOneEvent("2026-03-14T09:00:02.000Z " + EVENT);
        assertOneEvent("2026-03-14T09:00:02.000000000Z stdout F " + EVENT);
        assertEquals(0, decode("{\"messageType\":\"CONTROL_MESSAGE\",\"logEvents\":[{\"message\":\"CWL CONTROL\"}]}")
                .events().size());
    }

    @Test
    void concatenatedEventsOnOneLine() {
        byte[] b = (EVENT + EVENT + "\n").getBytes(StandardCharsets.UTF_8);
        EnvelopeDecoder.Result r = new EnvelopeDecoder(Projection.ALL).decodeLine(b, 0, b.length, "f", 1);
        assertNull(r.problem());
        assertEquals(List.of(0, 1), r.events().stream().map(e -> e.location().index()).toList());
        assertEquals(b.length, r.next());
    }

    @Test
    void gkeEntriesAreMappedOntoEventFields() {
        String entry = "{\"insertId\":\"abc\",\"timestamp\":\"2026-03-14T09:00:01.5Z\",\"labels\":{"
                + "\"authorization.k8s.io/decision\":\"allow\"},\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\","
                + "\"methodName\":\"io.k8s.core.v1.pods.exec.create\",\"resourceName\":\"core/v1/namespaces/prod/pods/web-1/exec\","
                + "\"authenticationInfo\":{\"principalEmail\":\"bob\"},\"requestMetadata\":{\"callerIp\":\"1.2.3.4\"},"
                + "\"status\":{\"code\":0}}}";
        EnvelopeDecoder.Result r = decode(entry);
        assertNull(r.problem());
        String json = JsonWriter.compact(r.events().get(0).root());
        assertTrue(json.contains("\"verb\":\"create\""), json);
        assertTrue(json.contains("\"stage\":\"ResponseStarted\""), json);
        assertTrue(json.contains("\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"prod\",\"name\":\"web-1\","
                + "\"apiGroup\":\"\",\"apiVersion\":\"v1\",\"subresource\":\"exec\"}"), json);
        assertTrue(json.contains("\"code\":101"), json);
        assertTrue(json.contains("\"sourceIPs\":[\"1.2.3.4\"]"), json);
        assertTrue(json.contains("\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"}"), json);
    }

    @Test
    void aksLogAnalyticsRowsAreMappedOntoEventFields() {
        String row = "{\"TimeGenerated\":\"2026-03-14T09:00:02.0000000Z\",\"Level\":\"Request\",\"AuditId\":\"a1\","
                + "\"Stage\":\"ResponseComplete\",\"RequestUri\":\"/api/v1/namespaces/p/configmaps\",\"Verb\":\"create\","
                + "\"User\":\"{\\\"username\\\":\\\"bob\\\"}\",\"ObjectRef\":{\"resource\":\"configmaps\",\"namespace\":\"p\"},"
                + "\"ResponseObject\":\"skipped-too-big-size-object\",\"StageReceivedTime\":\"2026-03-14T09:00:01.5000000Z\"}";
        EnvelopeDecoder.Result r = decode(row);
        assertNull(r.problem());
        String json = JsonWriter.compact(r.events().get(0).root());
        assertTrue(json.contains("\"auditID\":\"a1\""), json);
        assertTrue(json.contains("\"user\":{\"username\":\"bob\"}"), "object columns given as JSON text are parsed: " + json);
        assertTrue(!json.contains("skipped-too-big"), json);
        assertEquals(1773478801_500_000_000L, r.events().get(0).timeNanos());
    }

    @Test
    void problemsAreNamedAndGoodItemsKept() {
        assertEquals("data not recognized as a k8s audit event", decode("{\"kind\": 0}").problem());
        assertTrue(decode("{\"kind\":\"Event\",\"auditID\":\"x\"").problem().startsWith("invalid JSON"));
        assertTrue(decode("hello").problem().startsWith("not JSON"));
        assertTrue(decode(EVENT.replace("stageTimestamp", "other")).problem().contains("has no stageTimestamp"));
        assertTrue(decode(EVENT.replace("2026-03-14T09:00:01.5Z", "yesterday")).problem().contains("bad stageTimestamp"));
        EnvelopeDecoder.Result mixed = decode("[" + EVENT + ",42," + EVENT + "]");
        assertEquals(2, mixed.events().size());
        assertEquals("data not recognized as a k8s audit event", mixed.problem());
        assertEquals(0, decode("   ").events().size());
        assertNull(decode("").problem());
    }

    @Test
    void projectionKeepsOnlyWhatRulesRead() {
        Projection p = new Projection().add(List.of("verb"));
        byte[] b = EVENT.getBytes(StandardCharsets.UTF_8);
        AuditEvent e = new EnvelopeDecoder(p).decode(b, 0, b.length, "f", 1).events().get(0);
        assertEquals("get", e.root().string("verb"));
        assertNull(e.root().get("user"), "user was not asked for");
        assertEquals("e1", e.root().string("auditID"), "identity and time are always kept");
    }
}
