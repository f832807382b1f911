package io.kaudit.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one JSON document with Jackson's streaming parser into {@link JsonValue}s, building only
 * what the {@link Projection} asks for and skipping the rest token by token.
 */
public final class JsonReader {
    /** Shared factory: thread-safe, recycles buffers per thread. No databind, no reflection. */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(1000)
                    .build())
            .build();

    private JsonReader() {
    }

    /**
     * Parses {@code bytes[off, off+len)} as exactly one JSON value; trailing non-blank text is an error.
     * Text that is not all ASCII goes through the JDK's UTF-8 decoder as it is read, as
     * {@link ProjectedDecoder} decodes a JSON line's strings: invalid UTF-8 becomes U+FFFD (Jackson's
     * byte parser would refuse the whole document), and a document holds the same strings as the
     * same event on one line. Decoded as a stream, not into one String: a document of tens of MiB
     * must not need twice that again.
     */
    public static JsonValue parse(byte[] bytes, int off, int len, Projection projection) throws IOException {
        if (!Bytes.isAscii(bytes, off, off + len)) {
            try (JsonParser p = FACTORY.createParser(new java.io.InputStreamReader(
                    new java.io.ByteArrayInputStream(bytes, off, len), StandardCharsets.UTF_8))) {
                return parseOne(p, projection);
            }
        }
        try (JsonParser p = FACTORY.createParser(bytes, off, len)) {
            return parseOne(p, projection);
        }
    }

    public static JsonValue parse(String text, Projection projection) throws IOException {
        try (JsonParser p = FACTORY.createParser(text)) {
            return parseOne(p, projection);
        }
    }

    private static JsonValue parseOne(JsonParser p, Projection projection) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new IOException("empty document");
        }
        JsonValue v = read(p, t, projection);
        if (p.nextToken() != null) {
            throw new IOException("unexpected data after the JSON value at column " + p.currentLocation().getColumnNr());
        }
        return v;
    }

    /** Reads the value whose first token {@code t} is current. */
    public static JsonValue read(JsonParser p, JsonToken t, Projection proj) throws IOException {
        switch (t) {
            case START_OBJECT: {
                JsonObject o = new JsonObject();
                String name;
                while ((name = p.nextFieldName()) != null) {
                    JsonToken vt = p.nextToken();
                    Projection child = proj.child(name);
                    if (child == null) {
                        p.skipChildren();
                    } else {
                        o.put(name, read(p, vt, child));
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new IOException("malformed object");
                }
                return o;
            }
            case START_ARRAY: {
                List<JsonValue> items = new ArrayList<>();
                JsonToken et;
                while ((et = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (et == null) {
                        throw new IOException("unterminated array");
                    }
                    items.add(read(p, et, proj));
                }
                return new JsonArray(items);
            }
            case VALUE_STRING:
                return new JsonString(p.getText());
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new JsonLiteral(p.getText());
            case VALUE_TRUE:
                return JsonLiteral.TRUE;
            case VALUE_FALSE:
                return JsonLiteral.FALSE;
            case VALUE_NULL:
                return JsonLiteral.NULL;
            default:
                throw new IOException("unexpected token " + t);
        }
    }

    /** A short one-line description of a JSON error, safe to print. */
    public static String message(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            m += " at column " + j.getLocation().getColumnNr();
        }
        m = m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s*\\(start marker at \\[Source: [^\\]]*\\]\\)", "");
        // Keep messages one line and short: they quote attacker-controlled bytes.
        m = m.replaceAll("[\\p{Cntrl}]", " ");
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
