package io.kaudit.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** YAML exports (gcloud logging read, kubectl) read document by document. */
class YamlDocumentsTest {
    private record Doc(JsonValue value, long line) {
    }

    /** What reading delivered: the documents, and "line: reason" for each malformed one. */
    private record Read(List<Doc> docs, List<String> malformed) {
    }

    private static Read read(String yaml) throws IOException {
        return read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static Read read(byte[] yaml) throws IOException {
        Read r = new Read(new ArrayList<>(), new ArrayList<>());
        YamlDocuments.read(new ByteArrayInputStream(yaml), "test", new FrameHandler() {
            @Override
            public void value(String path, JsonValue v, long line) {
                r.docs().add(new Doc(v, line));
            }

            @Override
            public void skipped(String path, long line, String reason) {
                r.malformed().add(line + ": " + reason);
            }
        });
        return r;
    }

    private static boolean yaml(String head) throws IOException {
        return InputFormat.of(new java.io.BufferedInputStream(new ByteArrayInputStream(head.getBytes(StandardCharsets.UTF_8))))
                == InputFormat.YAML_DOCUMENTS;
    }

    @Test
    void documentsKeepTheirTextAndTheLineTheyStartOn() throws IOException {
        List<Doc> docs = read("""
                # an export
                ---
                insertId: a1
                timestamp: 2026-03-14T09:00:01.123456Z
                labels:
                  authorization.k8s.io/decision: allow
                  quoted: "True"
                protoPayload:
                  status: {}
                  code: 200
                  ratio: 0.5
                  big: 0x1F
                  privileged: true
                  hostPID: false
                  owner: null
                  items: [a, 1]
                ---
                '@type': second
                """).docs();
        assertEquals(2, docs.size());
        assertEquals(3, docs.get(0).line());
        assertEquals(18, docs.get(1).line());
        JsonObject first = (JsonObject) docs.get(0).value();
        assertEquals("2026-03-14T09:00:01.123456Z", first.string("timestamp"), "a timestamp stays the text written");
        assertEquals("True", first.object("labels").string("quoted"), "quoted: a string, not a boolean");
        JsonObject pp = first.object("protoPayload");
        assertEquals(new JsonLiteral("200"), pp.get("code"));
        assertEquals(new JsonLiteral("0.5"), pp.get("ratio"));
        assertEquals(new JsonString("0x1F"), pp.get("big"), "a number JSON cannot spell stays text");
        assertEquals(JsonLiteral.TRUE, pp.get("privileged"));
        assertEquals(JsonLiteral.FALSE, pp.get("hostPID"));
        assertEquals(JsonLiteral.NULL, pp.get("owner"));
        assertEquals(0, pp.object("status").size());
        assertEquals(List.of(new JsonString("a"), new JsonLiteral("1")), ((JsonArray) pp.get("items")).items());
        assertEquals("second", ((JsonObject) docs.get(1).value()).string("@type"));
    }

    @Test
    void aBrokenDocumentIsReportedByItsLineAndTheOthersAreStillRead() throws IOException {
        Read r = read("kind: Event\nverb: get\n---\nkind: Event\nverb: [get\nuser: x\n"
                + "---\n# the third\nkind: Event\nverb: list\n...\n--- {kind: Event, verb: watch}\n");
        List<Doc> docs = r.docs();
        List<String> bad = r.malformed();
        assertEquals(List.of("get", "list", "watch"), docs.stream().map(d -> ((JsonObject) d.value()).string("verb")).toList(),
                "the documents after the broken one are read too");
        assertEquals(List.of(1L, 9L, 12L), docs.stream().map(Doc::line).toList());
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).startsWith("5: invalid YAML: "), bad.toString());
    }

    @Test
    void aliasBombsAreRefused() throws IOException {
        StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char prev = (char) (c - 1);
            y.append(c).append(": &").append(c).append(" [*").append(prev).append(", *").append(prev).append(", *")
                    .append(prev).append(", *").append(prev).append(", *").append(prev).append(", *").append(prev)
                    .append("]\n");
        }
        Read r = read(y.toString());
        List<Doc> values = r.docs();
        List<String> bad = r.malformed();
        assertEquals(List.of(), values, "nothing of it is built");
        assertTrue(bad.size() == 1 && bad.get(0).startsWith("1: invalid YAML"), bad.toString());
    }

    @Test
    void onlyYamlLooksLikeYaml() throws IOException {
        assertTrue(yaml("# Copyright\n#\n\ninsertId: c7842d26\nlabels:\n"));
        assertTrue(yaml("---\nkind: Event\n"));
        assertTrue(yaml("kind: Event\napiVersion: audit.k8s.io/v1\n"));
        assertTrue(yaml("'@type': type.googleapis.com/google.cloud.audit.AuditLog\n"));
        assertTrue(yaml("- insertId: a1\n  protoPayload: {}\n- insertId: a2\n"), "a list of entries");
        assertFalse(yaml("{\"kind\":\"Event\",\"verb\":\"get\"}\n"));
        assertFalse(yaml("[\n  {\"kind\": \"Event\"}\n]\n"));
        assertFalse(yaml("2026-03-14T09:00:01.123456789Z stdout F {\"kind\":\"Event\"}\n"), "a CRI log line");
        assertFalse(yaml("kind,apiVersion,level,auditID\n"), "a CSV header");
        assertFalse(yaml("Hello world\nkind: Event\n"), "the first content line decides");
        assertFalse(yaml("\n\n"));
    }

    @Test
    void invalidUtf8IsReplacedAsOnAJsonLine() throws IOException {
        byte[] b = io.kaudit.Hostile.withBadByte("---\nkind: Event\nverb: \"get~\"\nuserAgent: x~y\n---\nkind: Event\nverb: list\n");
        Read r = read(b);
        assertEquals(List.of(), r.malformed());
        assertEquals(2, r.docs().size());
        JsonObject first = (JsonObject) r.docs().get(0).value();
        assertEquals("get\uFFFD", first.string("verb"));
        assertEquals("x\uFFFDy", first.string("userAgent"));
        assertEquals("list", ((JsonObject) r.docs().get(1).value()).string("verb"));
    }

    /** The reader skips a UTF-8 byte order mark itself (SnakeYAML's UnicodeReader no longer does). */
    @Test
    void aByteOrderMarkBeforeTheFirstDocumentIsSkipped() throws IOException {
        Read r = read("\uFEFF---\nkind: Event\nverb: get\n");
        assertEquals(List.of(), r.malformed());
        assertEquals(1, r.docs().size());
        assertEquals("Event", ((JsonObject) r.docs().get(0).value()).string("kind"));
        assertEquals(2, r.docs().get(0).line());
    }
}
