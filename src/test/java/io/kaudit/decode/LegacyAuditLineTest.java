package io.kaudit.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kube-apiserver's legacy one-line audit format, read back into events. */
class LegacyAuditLineTest {
    @TempDir
    Path dir;

    /** Go's %q, as EventString quotes every value. */
    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    /** The line kube-apiserver writes for {@code e} with --audit-log-format=legacy (apiserver/pkg/audit/format.go). */
    static String legacy(JsonObject e) {
        JsonObject user = e.object("user");
        String username = user == null || user.string("username") == null ? "<none>" : user.string("username");
        String groups = "<none>";
        if (user != null && user.get("groups") instanceof JsonArray g && !g.items().isEmpty() && !username.equals("<none>")) {
            groups = String.join(",", g.items().stream().map(v -> q(((JsonString) v).value())).toList());
        }
        String as = "<self>";
        String asGroups = "<lookup>";
        if (e.object("impersonatedUser") != null) {
            as = e.object("impersonatedUser").string("username");
        }
        JsonObject ref = e.object("objectRef");
        String ns = ref == null || ref.string("namespace") == null ? "<none>" : ref.string("namespace");
        String ip = e.get("sourceIPs") instanceof JsonArray ips && !ips.items().isEmpty()
                ? ((JsonString) ips.items().get(0)).value() : "<unknown>";
        String response = e.object("responseStatus") == null ? "<deferred>" : e.object("responseStatus").get("code").asText();
        return e.string("requestReceivedTimestamp") + " AUDIT: id=" + q(e.string("auditID")) + " stage=" + q(e.string("stage"))
                + " ip=" + q(ip) + " method=" + q(e.string("verb")) + " user=" + q(username) + " groups=" + q(groups)
                + " as=" + q(as) + " asgroups=" + q(asGroups) + " user-agent=" + q(String.valueOf(e.string("userAgent")))
                + " namespace=" + q(ns) + " uri=" + q(e.string("requestURI")) + " response=\"" + response + "\"";
    }

    private static List<JsonObject> sampleEvents() throws IOException {
        List<JsonObject> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("samples"))) {
            for (Path p : s.sorted().toList()) {
                for (String l : Files.readAllLines(p)) {
                    out.add((JsonObject) JsonReader.parse(l, Projection.ALL));
                }
            }
        }
        return out;
    }

    @Test
    void aLegacyLineBecomesTheEventItSummarises() {
        String line = "2026-03-14T05:00:01.123456789-04:00 AUDIT: id=\"0f3c2a\" stage=\"ResponseComplete\" ip=\"10.0.0.5\""
                + " method=\"create\" user=\"alice\" groups=\"\\\"system:authenticated\\\",\\\"devs \\\\\\\"x\\\\\\\"\\\"\""
                + " as=\"bob\" asgroups=\"\\\"ops\\\"\" user-agent=\"kubectl/v1.30.0 \\\"quoted\\\"\" namespace=\"prod\""
                + " uri=\"/api/v1/namespaces/prod/pods/web-0/exec?command=sh&stdin=true&tty=true\" response=\"101\"";
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        JsonObject e = LegacyAuditLine.parse(b, 0, b.length);
        assertEquals("0f3c2a", e.string("auditID"));
        assertEquals("create", e.string("verb"));
        assertEquals("alice", e.object("user").string("username"));
        assertEquals(List.of(new JsonString("system:authenticated"), new JsonString("devs \"x\"")),
                ((JsonArray) e.object("user").get("groups")).items());
        assertEquals("bob", e.object("impersonatedUser").string("username"));
        assertEquals("kubectl/v1.30.0 \"quoted\"", e.string("userAgent"));
        assertEquals("101", e.object("responseStatus").get("code").asText());
        JsonObject ref = e.object("objectRef");
        assertEquals(List.of("pods", "prod", "web-0", "exec"), List.of(ref.string("resource"), ref.string("namespace"),
                ref.string("name"), ref.string("subresource")));
        assertEquals("2026-03-14T05:00:01.123456789-04:00", e.string("stageTimestamp"));
        String deferred = "2026-03-14T09:00:00Z AUDIT: id=\"1\" stage=\"RequestReceived\" ip=\"<unknown>\" method=\"get\""
                + " user=\"<none>\" groups=\"<none>\" as=\"<self>\" asgroups=\"<lookup>\" user-agent=\"\" namespace=\"<none>\""
                + " uri=\"/healthz\" response=\"<deferred>\"";
        b = deferred.getBytes(StandardCharsets.UTF_8);
        JsonObject d = LegacyAuditLine.parse(b, 0, b.length);
        assertNull(d.get("responseStatus"));
        assertNull(d.get("objectRef"), "a non-resource URL names no object");
        assertNull(d.get("impersonatedUser"));
        assertNull(d.object("user").get("username"));
        byte[] other = "2026-03-14T09:00:00Z something else".getBytes(StandardCharsets.UTF_8);
        assertNull(LegacyAuditLine.parse(other, 0, other.length));
    }

    @Test
    void theObjectReadFromTheUriIsTheOneTheServerRecorded() throws IOException {
        List<JsonObject> events = sampleEvents();
        Path real = io.kaudit.Shared.ROOT.resolve("corpus/real/liggitt-audit2rbac/demo-v1-9b0b898.log");
        if (Files.exists(real)) {
            for (String l : Files.readAllLines(real)) {
                events.add((JsonObject) JsonReader.parse(l, Projection.ALL));
            }
        }
        int checked = 0;
        for (JsonObject e : events) {
            JsonObject want = e.object("objectRef");
            if (want == null || e.string("requestURI") == null) {
                continue;
            }
            JsonObject got = LegacyAuditLine.objectRef(e.string("requestURI"), want.string("namespace"));
            for (String k : List.of("resource", "namespace", "name", "subresource", "apiGroup")) {
                String w = want.string(k);
                String g = got == null ? null : got.string(k);
                if (k.equals("name") && e.string("verb").equals("create") && w != null && g == null) {
                    continue;   // a create names its object in the body, not the URI
                }
                assertEquals(w == null || w.isEmpty() ? "" : w, g == null ? "" : g, k + " of " + e.string("requestURI"));
            }
            checked++;
        }
        assertTrue(checked > 50, "checked " + checked);
    }

    @Test
    void aLegacyLogIsScannedWithTheRulesThatNeedNoBodies() throws IOException {
        List<JsonObject> events = sampleEvents();
        List<String> json = new ArrayList<>();
        List<String> legacy = new ArrayList<>();
        for (JsonObject e : events) {
            json.add(io.kaudit.event.JsonWriter.compact(e));
            legacy.add(legacy(e));
        }
        Map<String, Integer> fromJson = perRule(Kaudit.run("scan", "-q", "-f", "jsonl",
                Files.write(dir.resolve("audit.json.log"), json).toString()));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", Files.write(dir.resolve("audit.legacy.log"), legacy).toString());
        Map<String, Integer> fromLegacy = perRule(o);
        assertTrue(o.err().contains(events.size() + " events") && !o.err().contains("malformed"), o.err());
        // rules that read only what a legacy line keeps (no bodies, no annotations) fire as on full events
        for (String rule : List.of("Exec or Attach Into Pod", "Port Forward to Pod", "Secrets Listed Across All Namespaces",
                "Secret Read Denied", "Impersonated Request")) {
            assertTrue(fromJson.containsKey(rule), rule);
            assertEquals(fromJson.get(rule), fromLegacy.get(rule), rule + ": JSON " + fromJson + ", legacy " + fromLegacy);
        }
    }

    private static Map<String, Integer> perRule(Kaudit.Outcome o) {
        assertEquals(0, o.code(), o.err());
        Map<String, Integer> m = new TreeMap<>();
        Matcher r = Pattern.compile("\"rule\":\"([^\"]*)\"").matcher(o.out());
        while (r.find()) {
            m.merge(r.group(1), 1, Integer::sum);
        }
        return m;
    }
}
