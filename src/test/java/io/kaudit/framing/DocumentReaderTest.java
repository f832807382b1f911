package io.kaudit.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pretty-printed and concatenated JSON documents, read value by value. */
class DocumentReaderTest {
    /** "line: verb" for each value, "line! reason" for each malformed one. */
    private static List<String> read(String text) throws IOException {
        return read(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> read(byte[] bytes) throws IOException {
        List<String> out = new ArrayList<>();
        DocumentReader.read(new ByteArrayInputStream(bytes), "test", new FrameHandler() {
            @Override
            public void value(String path, JsonValue v, long line) {
                out.add(line + ": " + (v instanceof JsonObject o ? o.string("verb") : v.toString()));
            }

            @Override
            public void skipped(String path, long line, String reason) {
                out.add(line + "! " + reason);
            }
        });
        return out;
    }

    @Test
    void anArrayIsReadElementByElementWithTheLineEachStartsOn() throws IOException {
        assertEquals(List.of("2: get", "4: list", "7: watch"), read("""
                [
                  {"verb": "get",
                   "note": "a } and a ] inside a string, and an escaped \\" quote"},
                  {
                    "verb": "list"
                  },
                  {"verb": "watch"}
                ]
                """));
        assertEquals(List.of("1: get", "2: list", "5: create"), read("\uFEFF{\"verb\": \"get\"}\n{\"verb\":\n \"list\"}\n\n{\"verb\": \"create\"}"),
                "concatenated documents, after a byte order mark");
    }

    /**
     * A document never closed (its last brace lost, or cut in the middle of a string) ran on into
     * every document after it; it is reported as not closed before the next line that starts with
     * '{', and reading goes on there.
     */
    @Test
    void aDocumentNeverClosedEndsWhereTheNextDocumentBegins() throws IOException {
        String doc = "{\n  \"verb\": \"%s\",\n  \"user\": {\"username\": \"u\"}\n}\n";
        String lostBrace = doc.formatted("get") + doc.formatted("list").substring(0, doc.formatted("list").length() - 2)
                + "\n" + doc.formatted("watch") + doc.formatted("create");
        assertEquals(List.of("1: get", "5! invalid JSON: a document not closed before line 9", "9: watch", "13: create"),
                read(lostBrace));
        String cutInAString = doc.formatted("get") + "{\n  \"verb\": \"li\n" + doc.formatted("watch");
        assertEquals(List.of("1: get", "5! invalid JSON: a document not closed before line 7", "7: watch"),
                read(cutInAString));
        // thousands of broken documents in a row: each reported, read on without nesting streams (no stack overflow)
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            many.append("{\n  \"verb\": \"get\",\n");
        }
        many.append(doc.formatted("watch"));
        List<String> got = read(many.toString());
        assertEquals(5_001, got.size());
        assertEquals("10001: watch", got.get(5_000));
        // a valid document whose nested objects start at column 0 (json.dumps(indent=0)) is not split
        assertEquals(List.of("1: get"), read("{\n\"verb\": \"get\",\n\"items\": [\n{\n\"a\": 1\n}\n]\n}\n"));
    }

    /**
     * Every broken document held all those after it, and each was cut again to the end of the input:
     * 30,000 in a row took 28 s. Now what the first cut saw is kept, and 30,000 broken documents (lost
     * braces, cut in a string, alone and in runs) among good ones take a fraction of a second: each
     * broken one reported where it starts, every good one read.
     */
    @Test
    void thousandsOfBrokenDocumentsCostWhatReadingThemDoes() {
        String doc = "{\n  \"verb\": \"%s\",\n  \"user\": {\"username\": \"u\"}\n}\n";
        String lostBrace = "{\n  \"verb\": \"get\",\n  \"user\": {\"username\": \"u\"}\n";
        String cutInAString = "{\n  \"verb\": \"li\n";
        StringBuilder in = new StringBuilder();
        List<String> expected = new ArrayList<>();
        long line = 1;
        int broken = 0;
        for (int i = 0; i < 30_000; i++) {
            String d = i % 10 == 9 || i % 97 == 0 ? doc.formatted("list" + i) : i % 10 == 4 ? cutInAString : lostBrace;
            if (d.startsWith("{\n  \"verb\": \"list")) {
                expected.add(line + ": list" + i);
            } else {
                expected.add(line + "! invalid JSON: a document not closed before line " + (line + d.split("\n").length));
                broken++;
            }
            in.append(d);
            line += d.split("\n").length;
        }
        in.append(doc.formatted("watch"));
        expected.add(line + ": watch");
        assertTrue(broken > 25_000, broken + " broken");
        // some 0.5 s: a bound far above that and far below cutting each to the end
        List<String> got = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> read(in.toString()));
        assertEquals(expected, got);
    }

    @Test
    void aBrokenElementIsReportedAndTheOthersAreRead() throws IOException {
        List<String> got = read("""
                [
                  {"verb": "get"},
                  {"verb": "list",, "x": 1},
                  {"verb": "watch"},
                  {"verb": "create"},
                ]
                """);
        assertEquals("2: get", got.get(0));
        assertTrue(got.get(1).startsWith("3! invalid JSON"), got.toString());
        assertEquals(List.of("4: watch", "5: create"), got.subList(2, 4));
        assertEquals("6! invalid JSON: a comma before ']'", got.get(4));
        assertEquals(5, got.size(), got.toString());
        List<String> open = read("[\n  {\"verb\": \"get\"},\n  {\"verb\": \"li");
        assertEquals("2: get", open.get(0));
        assertTrue(open.get(open.size() - 1).contains("not closed"), open.toString());
    }

    @Test
    void invalidUtf8InAStringIsReplacedAsOnAJsonLine() throws IOException {
        // a JSON line decodes it to U+FFFD (ProjectedDecoder, as Go and so Falco); a document must too
        assertEquals(List.of("1: get\uFFFD"), read(io.kaudit.Hostile.withBadByte("{\n  \"kind\": \"Event\",\n  \"verb\": \"get~\"\n}\n")));
        assertEquals(List.of("2: list", "3: \uFFFDwatch\uFFFD\uFFFD"),
                read(io.kaudit.Hostile.withBadByte("[\n  {\"verb\": \"list\"},\n  {\"verb\": \"~watch~~\"}\n]\n")),
                "elements of an array (an EventList's items)");
        assertEquals(List.of("1: caf\u00e9\uFFFD"), read(io.kaudit.Hostile.withBadByte("{\n  \"verb\": \"caf\u00e9~\"\n}")),
                "valid multi-byte text beside the bad byte is kept");
        List<String> outside = read(io.kaudit.Hostile.withBadByte("{\n  \"verb\": ~\"get\"\n}\n{\"verb\": \"list\"}"));
        assertTrue(outside.get(0).startsWith("2! invalid JSON"), "a bad byte outside a string is still malformed: " + outside);
        assertEquals("4: list", outside.get(1));
    }
}
