package io.kaudit.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** follow's joining of pretty-printed documents: whole documents as one line, a torn one not swallowing the rest. */
class LineJoinTest {
    private static final String DOC = "{\n  \"verb\": \"%s\",\n  \"user\": {\"username\": \"u\"}\n}\n";

    /** "N: text" per line handed on, documents joined into one. */
    private static List<String> join(String text) {
        List<String> out = new ArrayList<>();
        FrameHandler handler = new FrameHandler() {
            @Override
            public void line(String path, byte[] buf, int from, int limit, long lineNumber) {
                out.add(lineNumber + ": " + new String(buf, from, limit - from, StandardCharsets.UTF_8).strip()
                        .replaceAll("\\s+", " "));
            }

            @Override
            public void skipped(String path, long line, String reason) {
                out.add(line + "! " + reason);
            }
        };
        LineJoin join = new LineJoin(1 << 20);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        long n = 0;
        for (int from = 0; from < b.length; ) {
            int nl = from;
            while (nl < b.length && b[nl] != '\n') {
                nl++;
            }
            join.line(handler, "f.log", b, from, nl, ++n, from);
            from = nl + 1;
        }
        join.flush(handler, "f.log");
        return out;
    }

    @Test
    void aDocumentNeverClosedIsHandedOnAsItsLinesWhereTheNextBegins() {
        String list = DOC.formatted("list");
        List<String> got = join(DOC.formatted("get") + list.substring(0, list.length() - 2) + "\n"
                + DOC.formatted("watch"));
        assertEquals(List.of("1: { \"verb\": \"get\", \"user\": {\"username\": \"u\"}}",
                "5: { \"verb\": \"list\", \"user\": {\"username\": \"u\"}",
                "9: { \"verb\": \"watch\", \"user\": {\"username\": \"u\"}}"), got,
                "the torn document is handed on as it was (a malformed line), the next one whole");
        // cut inside a string: a raw line end there is already broken JSON
        assertEquals(List.of("1: { \"verb\": \"li", "3: { \"verb\": \"watch\", \"user\": {\"username\": \"u\"}}"),
                join("{\n  \"verb\": \"li\n" + DOC.formatted("watch")));
        // nested objects at column 0 inside an array (json.dumps(indent=0)) stay one document
        assertEquals(List.of("1: {\"items\": [{\"a\": 1}]}"), join("{\n\"items\": [\n{\n\"a\": 1\n}\n]\n}\n"));
    }
}
