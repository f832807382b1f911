package io.kaudit.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte scans eight bytes at a time (SWAR on little-endian longs): the inner loops of framing and
 * of skipping JSON strings.
 */
public final class Bytes {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final long NEWLINES = ONES * '\n';
    private static final long SPACES = ONES * 0x20;

    private Bytes() {
    }

    /**
     * Flags (high bit) the zero bytes of {@code x}; a false flag only ever sits above a true one,
     * so the lowest flag is exact.
     */
    private static long zeroByte(long x) {
        return (x - ONES) & ~x & HIGHS;
    }

    /** The first index in {@code [from, to)} holding {@code '\n'}, or -1. */
    public static int indexOfNewline(byte[] a, int from, int to) {
        int i = from;
        while (i + 8 <= to) {
            long hit = zeroByte((long) LONGS.get(a, i) ^ NEWLINES);
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
            i += 8;
        }
        for (; i < to; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The first index in {@code [from, to)} holding '"', '\\' or a control character, or {@code to}. */
    public static int indexOfStringSpecial(byte[] a, int from, int to) {
        int i = from;
        while (i + 8 <= to) {
            long hit = stringSpecial((long) LONGS.get(a, i));
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
            i += 8;
        }
        for (; i < to; i++) {
            byte c = a[i];
            if (c == '"' || c == '\\' || c >= 0 && c < 0x20) {
                return i;
            }
        }
        return to;
    }

    /**
     * Flags the bytes of {@code x} that are '"', '\\' or below 0x20 (the lowest flag exact): the
     * zeroByte tests of x ^ '"', x ^ '\\' and x - 0x20 share their ~x & HIGHS term, since none of
     * the three sets the high bit.
     */
    private static long stringSpecial(long x) {
        return (((x ^ QUOTES) - ONES) | ((x ^ BACKSLASHES) - ONES) | (x - SPACES)) & ~x & HIGHS;
    }

    /** The first {@code min(len, 8)} bytes at {@code from} as a little-endian long, zero above them. */
    static long head(byte[] a, int from, int len) {
        if (from + 8 <= a.length) {
            long word = (long) LONGS.get(a, from);
            return len >= 8 ? word : word & ((1L << (len << 3)) - 1);
        }
        long word = 0;
        for (int i = Math.min(len, 8) - 1; i >= 0; i--) {
            word = word << 8 | (a[from + i] & 0xff);
        }
        return word;
    }

    /** True when no byte in {@code [from, to)} has its high bit set. */
    public static boolean isAscii(byte[] a, int from, int to) {
        int i = from;
        long any = 0;
        for (; i + 8 <= to; i += 8) {
            any |= (long) LONGS.get(a, i);
        }
        for (; i < to; i++) {
            any |= a[i];
        }
        return (any & HIGHS) == 0;
    }

    /** 3 when {@code a} starts with a UTF-8 byte order mark, else 0. */
    public static int bomLength(byte[] a, int length) {
        return length >= 3 && a[0] == (byte) 0xEF && a[1] == (byte) 0xBB && a[2] == (byte) 0xBF ? 3 : 0;
    }

    /** The first index in {@code [from, to)} that is not blank, or {@code to}. */
    public static int skipBlanks(byte[] b, int from, int to) {
        int i = from;
        while (i < to && isBlank(b[i])) {
            i++;
        }
        return i;
    }

    /** {@code to} moved back over trailing blanks, not below {@code from}. */
    public static int trimBlanks(byte[] b, int from, int to) {
        int i = to;
        while (i > from && isBlank(b[i - 1])) {
            i--;
        }
        return i;
    }

    public static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
