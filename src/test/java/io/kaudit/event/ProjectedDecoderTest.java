package io.kaudit.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The hot-path decoder against Jackson: same verdict on validity, same tree. */
class ProjectedDecoderTest {
    private static List<String> lines() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("samples"))) {
            for (Path p : s.sorted().toList()) {
                out.addAll(Files.readAllLines(p));
            }
        }
        Path traces = Path.of("..", "shared", "conformance", "falco", "traces");
        if (Files.isDirectory(traces)) {
            try (Stream<Path> s = Files.list(traces)) {
                for (Path p : s.sorted().toList()) {
                    out.addAll(Files.readAllLines(p));
                }
            }
        }
        out.removeIf(String::isBlank);
        out.addAll(List.of("{}", "[]", "[1,-0.5e+3,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\"]", "{\"a\":{\"b\":[{}]}}",
                "{\"k\\u0065y\":\"v\"}", "  {\"x\" : [ 1 , 2 ] }  ",
                // every escape JSON has, hex digits in both cases
                "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00E9 \\u00e9 \\uABCD\"]"));
        return out;
    }

    private static String jackson(byte[] b) {
        try {
            return JsonWriter.compact(JsonReader.parse(b, 0, b.length, Projection.ALL));
        } catch (IOException e) {
            return null;
        }
    }

    /** Jackson reading successive root values (what line mode accepts: json_stream concatenation of containers). */
    private static String jacksonValues(byte[] b) {
        try (com.fasterxml.jackson.core.JsonParser p = JsonReader.FACTORY.createParser(b)) {
            List<JsonValue> values = new ArrayList<>();
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) != null) {
                values.add(JsonReader.read(p, t, Projection.ALL));
            }
            if (values.isEmpty()) {
                return null;
            }
            // line mode runs on only objects and arrays together ("2{...}" is not two events)
            if (values.size() > 1 && !values.stream().allMatch(v -> v instanceof JsonObject || v instanceof JsonArray)) {
                return null;
            }
            return JsonWriter.compact(values.size() == 1 ? values.get(0) : new JsonArray(values));
        } catch (IOException e) {
            return null;
        }
    }

    private static String ours(byte[] b) {
        try {
            return JsonWriter.compact(ProjectedDecoder.parse(b, 0, b.length, Projection.ALL));
        } catch (JsonSyntaxException e) {
            return null;
        }
    }

    private static String oursLine(byte[] b) {
        ProjectedDecoder.Line l = ProjectedDecoder.parseLine(b, 0, b.length, Projection.ALL);
        return l.error == null ? JsonWriter.compact(l.value) : null;
    }

    @Test
    void sameTreesAsJacksonOnRealLines() throws IOException {
        int n = 0;
        for (String line : lines()) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            String want = jackson(b);
            assertNotNull(want, line);
            assertEquals(want, ours(b));
            assertEquals(want, oursLine(b));
            n++;
        }
        assertTrue(n > 50);
    }

    @Test
    void sameVerdictAsJacksonOnMutatedLines() throws IOException {
        Random random = new Random(1234);
        List<String> lines = lines();
        byte[] alphabet = "{}[]\":,\\ntfu0123456789-.eE+ \t\u0001".getBytes(StandardCharsets.ISO_8859_1);
        int invalid = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = lines.get(random.nextInt(lines.size())).getBytes(StandardCharsets.UTF_8);
            switch (random.nextInt(3)) {
                case 0 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
                case 1 -> b[random.nextInt(b.length)] = alphabet[random.nextInt(alphabet.length)];
                default -> {
                    int at = random.nextInt(b.length);
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = alphabet[random.nextInt(alphabet.length)];
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
            }
            String want = jackson(b);
            String got = ours(b);
            assertEquals(want, got, "on: " + new String(b, StandardCharsets.UTF_8));
            if (want == null) {
                invalid++;
            }
            if (new String(b, StandardCharsets.UTF_8).indexOf('\n') < 0) {
                assertEquals(jacksonValues(b), oursLine(b), "line mode on: " + new String(b, StandardCharsets.UTF_8));
            }
        }
        assertTrue(invalid > 5_000, "mutations produced " + invalid + " invalid lines");
    }

    @Test
    void projectionSkipsButStillValidates() {
        Projection p = new Projection().add(List.of("keep"));
        byte[] ok = "{\"skip\":{\"deep\":[1,{\"x\":\"y\"}]},\"keep\":\"v\"}".getBytes(StandardCharsets.UTF_8);
        JsonObject o = (JsonObject) assertDoesNotThrow(ok, p);
        assertEquals("v", o.string("keep"));
        assertNull(o.get("skip"));
        byte[] bad = "{\"skip\":{\"deep\":[1,{\"x\" \"y\"}]},\"keep\":\"v\"}".getBytes(StandardCharsets.UTF_8);
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> ProjectedDecoder.parse(bad, 0, bad.length, p));
        assertTrue(e.getMessage().contains("expected ':'"), e.getMessage());
    }

    @Test
    void errorsSayWhatWasExpectedWhetherTheValueIsKeptOrSkipped() {
        Projection skipAll = new Projection().add(List.of("keep"));
        Map<String, String> cases = Map.of(
                "{\"a\":{\"b\":1 \"c\":2}}", "expected ',' or '}'",
                "{\"a\":[1 2]}", "expected ',' or ']'",
                "{\"a\":[1,", "unexpected end of input",
                "{\"a\":{\"b\":1", "unexpected end of input in an object",
                "{\"a\":" + "[".repeat(1200) + "]".repeat(1200) + "}", "nested too deeply",
                "{\"a\":\"\\x\"}", "invalid escape in a string",
                "{\"a\":\"\\u00G0\"}", "invalid \\u escape in a string",
                "{\"a\":\"\\u12\"}", "invalid \\u escape in a string");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            byte[] b = c.getKey().getBytes(StandardCharsets.UTF_8);
            for (Projection p : List.of(Projection.ALL, skipAll)) {
                JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> ProjectedDecoder.parse(b, 0, b.length, p),
                        c.getKey());
                assertTrue(e.getMessage().contains(c.getValue()), () -> c.getKey().substring(0, 10) + ": " + e.getMessage());
            }
        }
    }

    @Test
    void linesEndAtTheirNewline() {
        byte[] two = "{\"a\":1,\"b\":{\"c\":\"d\"}}\r\n{\"a\":2}".getBytes(StandardCharsets.UTF_8);
        ProjectedDecoder.Line first = ProjectedDecoder.parseLine(two, 0, two.length, Projection.ALL);
        assertNull(first.error);
        assertEquals(23, first.next);
        assertEquals("{\"a\":1,\"b\":{\"c\":\"d\"}}", JsonWriter.compact(first.value));
        ProjectedDecoder.Line second = ProjectedDecoder.parseLine(two, first.next, two.length, Projection.ALL);
        assertEquals(two.length, second.next);
        byte[] split = "{\"a\":\n1}".getBytes(StandardCharsets.UTF_8);
        assertNotNull(ProjectedDecoder.parseLine(split, 0, split.length, Projection.ALL).error, "a value may not span lines");
    }

    @Test
    void concatenatedValuesOnOneLineAreAllRead() {
        byte[] b = "{\"a\":1}{\"a\":2} [3]".getBytes(StandardCharsets.UTF_8);
        assertEquals("[{\"a\":1},{\"a\":2},[3]]", oursLine(b));
        assertEquals(null, oursLine("2{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keysOfWholeObjectsComeBackRightThroughTheKeyCache() throws Exception {
        // far more distinct keys than the cache has slots, keys sharing their first or last eight
        // bytes, of every length up to and past the cached maximum, and invalid UTF-8, on two threads
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < 6000; i++) {
            String k = switch (i % 4) {
                case 0 -> "metadata" + i;
                case 1 -> i + "annotations";
                case 2 -> "k".repeat(i % 60);
                default -> "k\u00e9y-" + i;
            };
            sb.append(i == 0 ? "" : ",").append('"').append(k).append(i % 4 == 2 ? "-" + i : "").append("\":").append(i);
        }
        byte[] b = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
        String want = ours(b);
        assertEquals(jacksonValues(b), want);
        Thread other = new Thread(() -> {
            for (int r = 0; r < 20; r++) {
                assertEquals(want, ours(b));
            }
        });
        other.start();
        for (int r = 0; r < 20; r++) {
            assertEquals(want, ours(b));
        }
        other.join();
        byte[] bad = {'{', '"', 'a', (byte) 0xff, '"', ':', '1', ',', '"', 'a', (byte) 0xfe, '"', ':', '2', '}'};
        JsonObject o = (JsonObject) ProjectedDecoder.parse(bad, 0, bad.length, Projection.ALL);
        assertEquals("a\uFFFD", o.keyAt(0));
        assertEquals("a\uFFFD", o.keyAt(1));
        assertEquals(2, o.size());
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() throws JsonSyntaxException {
        byte[] b = {'"', 'a', (byte) 0xff, 'b', '"'};
        assertEquals("a\uFFFDb", ((JsonString) ProjectedDecoder.parse(b, 0, b.length, Projection.ALL)).value());
    }

    private static JsonValue assertDoesNotThrow(byte[] b, Projection p) {
        try {
            return ProjectedDecoder.parse(b, 0, b.length, p);
        } catch (JsonSyntaxException e) {
            throw new AssertionError(e);
        }
    }
}
