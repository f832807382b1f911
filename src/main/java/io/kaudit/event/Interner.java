package io.kaudit.event;

import java.util.Arrays;

/**
 * One String per distinct short string value, for code that counts values of every event (the
 * report's actors, verbs, levels): a small table of the last bytes seen per hash slot gives back
 * the same String for the same bytes, so a repeated user or verb is neither decoded nor hashed
 * again, and maps keyed by it compare by identity. One per thread, not thread-safe.
 */
public final class Interner {
    /** Two slots per bucket: two values that hash alike (node names differing in one word) both stay. */
    private static final int BITS = 12;
    private static final int MAX_LENGTH = 96;
    private static final long K = 0x9E3779B97F4A7C15L;

    private final byte[][] bytes = new byte[1 << BITS][];
    private final String[] texts = new String[1 << BITS];

    /** The text of {@code v} if it is a JSON string (decoded through this table), else null. */
    public String text(JsonValue v) {
        return v instanceof JsonString s ? s.value(this) : null;
    }

    /** The text of string content {@code b[from, to)} ({@code escaped} if it holds escapes). */
    String text(byte[] b, int from, int to, boolean escaped) {
        int len = to - from;
        if (escaped || len > MAX_LENGTH) {
            return ProjectedDecoder.text(b, from, to, escaped);
        }
        int slot = bucket(b, from, to);
        byte[] k = bytes[slot];
        if (k != null && k.length == len && Arrays.equals(k, 0, len, b, from, to)) {
            return texts[slot];
        }
        k = bytes[slot + 1];
        if (k != null && k.length == len && Arrays.equals(k, 0, len, b, from, to)) {
            return texts[slot + 1];
        }
        return miss(b, from, to, slot);
    }

    /** The first of the two slots {@code b[from, to)} may sit in. */
    static int bucket(byte[] b, int from, int to) {
        long h = to - from;
        for (int i = from; i < to; i += 8) {   // every byte counts: values often share head and tail
            h = (h ^ Bytes.head(b, i, to - i)) * K;
            h ^= h >>> 29;
        }
        return (int) ((h * K) >>> (64 - BITS)) & ~1;
    }

    /** Decodes a string not in the table and keeps it, the newest first in its bucket (out of line: rare once warm). */
    private String miss(byte[] b, int from, int to, int slot) {
        String text = ProjectedDecoder.text(b, from, to, false);
        bytes[slot + 1] = bytes[slot];
        texts[slot + 1] = texts[slot];
        bytes[slot] = Arrays.copyOfRange(b, from, to);
        texts[slot] = text;
        return text;
    }
}
