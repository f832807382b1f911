package io.kaudit.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time scans must find exactly what a plain byte loop finds. */
class BytesTest {

    private static int naiveSpecial(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == '"' || a[i] == '\\' || a[i] >= 0 && a[i] < 0x20) {
                return i;
            }
        }
        return to;
    }

    private static int naiveNewline(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Test
    void everyPositionAndNeighbourIsFoundExactly() {
        // bytes next to the targets that could confuse the borrow arithmetic of the SWAR tests
        byte[] fillers = {'a', ' ', '!', '#', '[', ']', 0x1f, 0x0a, (byte) 0x80, (byte) 0xff, (byte) 0xa0, 0x21, 0x5b, 0x5d};
        byte[] targets = {'"', '\\', 0x00, 0x01, 0x1f, '\n', '\t'};
        for (byte filler : fillers) {
            for (byte target : targets) {
                for (int at = 0; at < 24; at++) {
                    byte[] a = new byte[24];
                    java.util.Arrays.fill(a, filler);
                    a[at] = target;
                    for (int from = 0; from <= at; from++) {
                        assertEquals(naiveSpecial(a, from, a.length), Bytes.indexOfStringSpecial(a, from, a.length),
                                () -> "filler " + filler + " target " + target);
                        assertEquals(naiveNewline(a, from, a.length), Bytes.indexOfNewline(a, from, a.length));
                    }
                }
            }
        }
    }

    @Test
    void randomBuffersAgreeWithAByteLoop() {
        Random r = new Random(7);
        byte[] alphabet = {'"', '\\', '\n', 0x1f, ' ', 'x', (byte) 0xc3, (byte) 0xa9, 0x7f, (byte) 0x9f};
        for (int round = 0; round < 20_000; round++) {
            byte[] a = new byte[r.nextInt(40)];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextInt(4) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) ('a' + r.nextInt(26));
            }
            int from = a.length == 0 ? 0 : r.nextInt(a.length);
            int to = from + r.nextInt(a.length - from + 1);
            assertEquals(naiveSpecial(a, from, to), Bytes.indexOfStringSpecial(a, from, to));
            assertEquals(naiveNewline(a, from, to), Bytes.indexOfNewline(a, from, to));
        }
    }

    @Test
    void headIsTheFirstEightBytesWhereverTheArrayEnds() {
        byte[] a = "abcdefghij\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int from = 0; from < a.length; from++) {
            for (int len = 0; from + len <= a.length && len <= 12; len++) {
                long expected = 0;
                for (int i = Math.min(len, 8) - 1; i >= 0; i--) {
                    expected = expected << 8 | (a[from + i] & 0xff);
                }
                assertEquals(expected, Bytes.head(a, from, len), "from " + from + " len " + len);
            }
        }
    }

    @Test
    void isAsciiSeesAHighBitAnywhere() {
        byte[] a = new byte[40];
        java.util.Arrays.fill(a, (byte) 'a');
        assertEquals(true, Bytes.isAscii(a, 0, a.length));
        for (int at = 0; at < a.length; at++) {
            a[at] = (byte) 0xFF;
            for (int from = 0; from <= at; from += 3) {
                assertEquals(false, Bytes.isAscii(a, from, a.length), at + " from " + from);
                assertEquals(true, Bytes.isAscii(a, from, at), at + " from " + from);
            }
            a[at] = 'a';
        }
    }
}
