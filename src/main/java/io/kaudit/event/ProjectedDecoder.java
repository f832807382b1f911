package io.kaudit.event;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot-path decoder for one JSON value held in a byte range: builds only what a
 * {@link Projection} keeps and skips everything else at byte level, while still validating it, so a
 * malformed line is rejected wherever the fault is. Measured against Jackson on audit logs, skipping
 * unneeded subtrees (managedFields, response bodies) without tokenizing them is what makes a scan
 * faster than a bare Jackson token pass; Jackson stays in use for whole documents and output.
 *
 * <p>Strict RFC 8259 JSON: no comments, NaN, single quotes, leading zeros or trailing commas; control
 * characters must be escaped. Invalid UTF-8 inside strings is replaced by U+FFFD, as Go (and so
 * Falco) does, rather than losing the event.
 */
public final class ProjectedDecoder {
    private static final int MAX_DEPTH = 1000;
    /*
     * Tables rather than chains of comparisons: a comparison the JIT never saw true (an escape
     * like \t first met a gigabyte in) compiles to a trap that throws away the compiled decoder.
     */
    private static final boolean[] SIMPLE_ESCAPE = new boolean[128];
    private static final int[] HEX = new int[256];

    static {
        for (char c : "\"\\/bfnrt".toCharArray()) {
            SIMPLE_ESCAPE[c] = true;
        }
        java.util.Arrays.fill(HEX, -1);
        for (int i = 0; i < 16; i++) {
            HEX["0123456789abcdef".charAt(i)] = i;
            HEX["0123456789ABCDEF".charAt(i)] = i;
        }
    }
    private final byte[] b;
    private final int start;
    private final int end;
    private final boolean lineMode;
    private int p;
    private int depth;
    /** Whether the string {@link #skipString} last passed holds an escape. */
    private boolean escaped;

    private ProjectedDecoder(byte[] b, int off, int len, boolean lineMode) {
        this.b = b;
        this.start = off;
        this.p = off;
        this.end = off + len;
        this.lineMode = lineMode;
    }

    /** One line's value, where the next line starts, or the error that ended it. */
    public static final class Line {
        public JsonValue value;
        public int next;
        public JsonSyntaxException error;
        /** Absolute offset of the error (the line ends at the first newline at or after it). */
        public int errorAt;
    }

    /**
     * Decodes the value starting at {@code from} that must end its line (or the range at
     * {@code limit}). A newline inside the value is an error, so lines stay lines.
     */
    public static Line parseLine(byte[] bytes, int from, int limit, Projection projection) {
        ProjectedDecoder d = new ProjectedDecoder(bytes, from, limit - from, true);
        Line line = new Line();
        try {
            d.ws();
            line.value = d.value(projection);
            d.ws();
            boolean container = line.value instanceof JsonObject || line.value instanceof JsonArray;
            if (container && d.p < d.end && (d.b[d.p] == '{' || d.b[d.p] == '[')) {
                // concatenated values on one line (Fluent Bit json_stream, Firehose): read them all
                List<JsonValue> values = new ArrayList<>();
                values.add(line.value);
                while (d.p < d.end && (d.b[d.p] == '{' || d.b[d.p] == '[')) {
                    values.add(d.value(projection));
                    d.ws();
                }
                line.value = new JsonArray(values);
            }
            if (d.p < d.end && d.b[d.p] != '\n') {
                throw d.error("unexpected data after the JSON value");
            }
            line.next = d.p < d.end ? d.p + 1 : d.end;
        } catch (JsonSyntaxException e) {
            line.value = null;
            line.error = e;
            line.errorAt = Math.min(d.p, d.end);
        }
        return line;
    }

    public static JsonValue parse(byte[] bytes, int off, int len, Projection projection) throws JsonSyntaxException {
        ProjectedDecoder d = new ProjectedDecoder(bytes, off, len, false);
        d.ws();
        if (d.p >= d.end) {
            throw d.error("empty document");
        }
        JsonValue v = d.value(projection);
        d.ws();
        if (d.p < d.end) {
            throw d.error("unexpected data after the JSON value");
        }
        return v;
    }

    private JsonValue value(Projection proj) throws JsonSyntaxException {
        return value(proj, token());
    }

    /** The value starting at {@code p}, whose first byte {@link #token} returned as {@code c}. */
    private JsonValue value(Projection proj, byte c) throws JsonSyntaxException {
        switch (c) {
            case '{':
                return object(proj);
            case '[':
                return array(proj);
            case '"': {
                int s = p + 1;
                int close = skipString();
                return new JsonString(b, s, close, escaped);   // decoded when a rule reads it
            }
            case 't':
                literal("true");
                return JsonLiteral.TRUE;
            case 'f':
                literal("false");
                return JsonLiteral.FALSE;
            case 'n':
                literal("null");
                return JsonLiteral.NULL;
            default:
                int s = p;
                number();   // also reports the end of input, where token() gave 0
                return new JsonLiteral(new String(b, s, p - s, StandardCharsets.ISO_8859_1));
        }
    }

    private JsonObject object(Projection proj) throws JsonSyntaxException {
        enter();
        p++;
        JsonObject o = new JsonObject(depth == 1 ? 16 : 4);   // an audit event has 12 to 17 keys
        byte c = token();
        if (c == '}') {
            p++;
            depth--;
            return o;
        }
        while (true) {
            if (c != '"') {
                throw error("expected a field name");
            }
            int keyStart = p + 1;
            int keyEnd = skipString();
            Projection child;
            String key;
            if (proj.whole()) {
                child = Projection.ALL;
                key = key(keyStart, keyEnd);
            } else {
                int at = proj.find(b, keyStart, keyEnd);
                if (at >= 0) {
                    child = proj.childAt(at);
                    key = proj.keyAt(at);
                } else if (escaped) {
                    key = decode(keyStart, keyEnd);
                    child = proj.child(key);
                } else {
                    child = null;
                    key = null;
                }
            }
            if (token() != ':') {
                throw error("expected ':' after a field name");
            }
            p++;
            if (child == null) {
                skip(token());
            } else {
                o.put(key, value(child, token()));
            }
            c = token();
            if (c == ',') {
                p++;
                c = token();
            } else if (c == '}') {
                p++;
                depth--;
                return o;
            } else {
                throw error(p >= end ? "unexpected end of input in an object" : "expected ',' or '}'");
            }
        }
    }

    private JsonArray array(Projection proj) throws JsonSyntaxException {
        enter();
        p++;
        List<JsonValue> items = new ArrayList<>();
        byte c = token();
        if (c == ']') {
            p++;
            depth--;
            return new JsonArray(items);
        }
        while (true) {
            items.add(value(proj, c));
            c = token();
            if (c == ',') {
                p++;
                c = token();
            } else if (c == ']') {
                p++;
                depth--;
                return new JsonArray(items);
            } else {
                throw error(p >= end ? "unexpected end of input in an array" : "expected ',' or ']'");
            }
        }
    }

    /** Validates and skips the value whose first byte {@link #token} returned as {@code c}, building nothing. */
    private void skip(byte c) throws JsonSyntaxException {
        switch (c) {
            case '{': {
                enter();
                p++;
                byte d = token();
                if (d == '}') {
                    p++;
                    depth--;
                    return;
                }
                while (true) {
                    if (d != '"') {
                        throw error("expected a field name");
                    }
                    skipString();
                    if (token() != ':') {
                        throw error("expected ':' after a field name");
                    }
                    p++;
                    skip(token());
                    d = token();
                    if (d == ',') {
                        p++;
                        d = token();
                    } else if (d == '}') {
                        p++;
                        depth--;
                        return;
                    } else {
                        throw error(p >= end ? "unexpected end of input in an object" : "expected ',' or '}'");
                    }
                }
            }
            case '[': {
                enter();
                p++;
                byte d = token();
                if (d == ']') {
                    p++;
                    depth--;
                    return;
                }
                while (true) {
                    skip(d);
                    d = token();
                    if (d == ',') {
                        p++;
                        d = token();
                    } else if (d == ']') {
                        p++;
                        depth--;
                        return;
                    } else {
                        throw error(p >= end ? "unexpected end of input in an array" : "expected ',' or ']'");
                    }
                }
            }
            case '"':
                skipString();
                return;
            case 't':
                literal("true");
                return;
            case 'f':
                literal("false");
                return;
            case 'n':
                literal("null");
                return;
            default:
                number();
        }
    }

    /** Skips a string starting at the opening quote; returns the offset of its closing quote. */
    private int skipString() throws JsonSyntaxException {
        escaped = false;
        int i = p + 1;
        byte[] a = b;
        int e = end;
        while (i < e) {
            i = Bytes.indexOfStringSpecial(a, i, e);
            if (i >= e) {
                break;
            }
            byte c = a[i];
            if (c == '"') {
                p = i + 1;
                return i;
            }
            if (c == '\\') {
                escaped = true;
                if (i + 1 >= e) {
                    break;
                }
                byte x = a[i + 1];
                if (x == 'u') {
                    if (i + 6 > e || hex(a[i + 2]) < 0 || hex(a[i + 3]) < 0 || hex(a[i + 4]) < 0 || hex(a[i + 5]) < 0) {
                        p = i;
                        throw error("invalid \\u escape in a string");
                    }
                    i += 6;
                    continue;
                }
                if (x < 0 || !SIMPLE_ESCAPE[x]) {
                    p = i;
                    throw error("invalid escape in a string");
                }
                i += 2;
                continue;
            }
            p = i;
            throw error("unescaped control character in a string");
        }
        p = e;
        throw error("unterminated string");
    }

    /** A key's bytes and its text, as {@link #KEYS} holds them (final fields: safe to share across threads). */
    private static final class Key {
        final byte[] bytes;
        final String text;

        Key(byte[] bytes, String text) {
            this.bytes = bytes;
            this.text = text;
        }
    }

    /**
     * Keys of objects kept whole (a pod's spec, labels, annotations) repeat line after line: a small
     * table of the last key seen per hash slot gives back the same String instead of decoding a
     * new one. Shared by all threads without locks: a slot holds a whole {@link Key} or another,
     * and a miss only replaces it.
     */
    private static final Key[] KEYS = new Key[2048];
    private static final int MAX_CACHED_KEY = 48;

    /** The text of the key content {@code [from, to)} that {@link #skipString} just passed. */
    private String key(int from, int to) {
        int len = to - from;
        if (escaped || len > MAX_CACHED_KEY) {
            return decode(from, to);
        }
        byte[] a = b;
        long h = Bytes.head(a, from, len);
        if (len > 8) {
            h = h * 31 + Bytes.head(a, to - 8, 8);
        }
        h = (h + len) * 0x9E3779B97F4A7C15L;
        int slot = (int) (h >>> 53);
        Key k = KEYS[slot];
        if (k != null && k.bytes.length == len && java.util.Arrays.equals(k.bytes, 0, len, a, from, to)) {
            return k.text;
        }
        String text = new String(a, from, len, StandardCharsets.UTF_8);
        KEYS[slot] = new Key(java.util.Arrays.copyOfRange(a, from, to), text);
        return text;
    }

    /**
     * The text of the string content {@code [from, to)} that {@link #skipString} just passed:
     * escapes resolved, UTF-8 decoded (the JDK's decoder copies ASCII in bulk).
     */
    private String decode(int from, int to) {
        return text(b, from, to, escaped);
    }

    /** The text of string content {@code b[from, to)} (between its quotes; {@code escaped} if it holds escapes). */
    static String text(byte[] b, int from, int to, boolean escaped) {
        return escaped ? unescape(b, from, to) : new String(b, from, to - from, StandardCharsets.UTF_8);
    }

    private static String unescape(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        int i = from;
        while (i < to) {
            if (b[i] != '\\') {
                i++;
                continue;
            }
            sb.append(new String(b, run, i - run, StandardCharsets.UTF_8));
            byte x = b[i + 1];
            switch (x) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append((char) ((hex(b[i + 2]) << 12) | (hex(b[i + 3]) << 8) | (hex(b[i + 4]) << 4)
                        | hex(b[i + 5])));
                default -> sb.append((char) x);
            }
            i += x == 'u' ? 6 : 2;
            run = i;
        }
        sb.append(new String(b, run, to - run, StandardCharsets.UTF_8));
        return sb.toString();
    }

    private static int hex(byte c) {
        return HEX[c & 0xff];
    }

    private void number() throws JsonSyntaxException {
        int s = p;
        if (peek() == '-') {
            p++;
        }
        if (peek() == '0') {
            p++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') {
                p++;
            }
        } else {
            p = s;
            throw error(p >= end ? "unexpected end of input" : "unexpected character '" + printable(b[p]) + "'");
        }
        if (peek() == '.') {
            p++;
            if (!(peek() >= '0' && peek() <= '9')) {
                throw error("expected a digit after '.'");
            }
            while (peek() >= '0' && peek() <= '9') {
                p++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            p++;
            if (peek() == '+' || peek() == '-') {
                p++;
            }
            if (!(peek() >= '0' && peek() <= '9')) {
                throw error("expected a digit in the exponent");
            }
            while (peek() >= '0' && peek() <= '9') {
                p++;
            }
        }
        byte next = peek();
        if (next >= '0' && next <= '9' || next == '.' || Character.isLetter(next)) {
            throw error("invalid number");
        }
    }

    private void literal(String word) throws JsonSyntaxException {
        int n = word.length();
        if (p + n > end) {
            throw error("unexpected end of input");
        }
        for (int i = 0; i < n; i++) {
            if (b[p + i] != word.charAt(i)) {
                throw error("unexpected character '" + printable(b[p]) + "'");
            }
        }
        p += n;
        byte next = peek();
        if (Character.isLetterOrDigit(next)) {
            throw error("unexpected character after " + word);
        }
    }

    private void enter() throws JsonSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw error("nested too deeply");
        }
    }

    /**
     * Skips whitespace and returns the byte there (0 at the end of input). In compact JSON there is
     * none, so this is one load and one compare; callers dispatch on the byte without reading it again.
     */
    private byte token() {
        if (p < end) {
            byte c = b[p];
            if (c > ' ') {
                return c;
            }
        }
        ws();
        return peek();
    }

    private void ws() {
        while (p < end) {
            byte c = b[p];
            if (c > ' ') {
                return;   // the usual case in compact JSON: one compare
            }
            if (c == ' ' || c == '\r' || c == '\t' || c == '\n' && !lineMode) {
                p++;
            } else {
                return;
            }
        }
    }

    private byte peek() {
        return p < end ? b[p] : 0;
    }

    private static String printable(byte c) {
        return c >= 0x20 && c < 0x7f ? Character.toString((char) c) : String.format("\\x%02x", c & 0xff);
    }

    private JsonSyntaxException error(String message) {
        return new JsonSyntaxException(message, Math.min(p, end) - start);
    }
}
