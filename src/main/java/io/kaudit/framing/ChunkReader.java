package io.kaudit.framing;

import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into {@link Chunk}s of whole lines without looking inside them (workers split
 * the lines, in parallel). Only the last newline of each block is searched. A line longer than
 * {@code maxLine} is skipped unbuffered and reported as one oversized chunk.
 */
public final class ChunkReader {
    /** Below G1's humongous threshold for small heaps, big enough to amortise hand-offs. */
    public static final int CHUNK_SIZE = 256 * 1024;

    private final long maxLine;
    private final java.util.concurrent.BlockingQueue<byte[]> pool;

    /** @param pool buffers of {@link #CHUNK_SIZE} to reuse (consumers give them back), may be empty */
    public ChunkReader(long maxLine, java.util.concurrent.BlockingQueue<byte[]> pool) {
        this.maxLine = maxLine;
        this.pool = pool;
    }

    private byte[] buffer() {
        byte[] b = pool.poll();
        return b != null ? b : new byte[CHUNK_SIZE];
    }

    public void read(Input input, InputStream in, Consumer<Chunk> out) throws IOException {
        byte[] buf = buffer();
        int filled = 0;
        boolean first = true;
        boolean eof = false;
        while (!eof) {
            while (filled < buf.length) {
                int n;
                try {
                    n = in.read(buf, filled, buf.length - filled);
                } catch (Input.CutShortException cut) {
                    if (filled > 0) {
                        out.accept(new Chunk(input, buf, filled, first, 0));   // what came before the cut
                    }
                    throw cut;
                }
                if (n < 0) {
                    eof = true;
                    break;
                }
                filled += n;
            }
            if (eof) {
                if (filled > 0) {
                    out.accept(new Chunk(input, buf, filled, first, 0));
                }
                return;
            }
            int nl = lastNewline(buf, filled);
            if (nl >= 0) {
                int carry = filled - nl - 1;
                byte[] next = carry < CHUNK_SIZE ? buffer() : new byte[carry + 1];
                System.arraycopy(buf, nl + 1, next, 0, carry);
                out.accept(new Chunk(input, buf, nl + 1, first, 0));
                first = false;
                buf = next;
                filled = carry;
            } else if (buf.length <= maxLine) {
                buf = grow(buf, maxLine);
            } else {
                long skipped = filled + skipLine(in);
                out.accept(new Chunk(input, null, 0, first, skipped));
                first = false;
                buf = buffer();
                filled = 0;
            }
        }
    }

    /** Doubles a buffer that holds part of one line, up to one byte past {@code maxLine} (the sign it is too long). */
    public static byte[] grow(byte[] buf, long maxLine) {
        return Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, Math.min(maxLine + 1, buf.length * 2L)));
    }

    private static int lastNewline(byte[] buf, int end) {
        for (int i = end - 1; i >= 0; i--) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Reads up to and including the next newline; returns how many bytes were skipped. */
    private static long skipLine(InputStream in) throws IOException {
        long n = 0;
        int b;
        while ((b = in.read()) >= 0) {
            n++;
            if (b == '\n') {
                break;
            }
        }
        return n;
    }
}
