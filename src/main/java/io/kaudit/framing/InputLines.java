package io.kaudit.framing;

import io.kaudit.event.Bytes;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Reads one input's lines in order on the calling thread (the REPL's load and re-reads). */
public final class InputLines {
    /**
     * Sees each line; returns where the next line starts (a decoder finds the end in one pass). Not
     * {@link FrameHandler}: finding each end first, for a complete line, made the REPL's load 7% and
     * its re-reads 19% slower on a 1 GiB log.
     */
    public interface Visitor {
        int line(byte[] data, int from, int limit, long lineNumber, long offset);

        /** A line over the length limit, skipped unread. */
        default void oversized(long lineNumber) {
        }
    }

    private InputLines() {
    }

    /**
     * Reads the whole input as the decoder takes it (a CRI log with its partial records joined;
     * offsets count in that stream: read a line again with {@link #open}). Returns false when
     * {@code cancelled} stopped it early.
     */
    public static boolean read(Input input, long maxLine, AtomicLong rawBytes, BooleanSupplier cancelled, Visitor visitor)
            throws IOException {
        try (InputStream in = open(input, rawBytes, maxLine)) {
            return read(input, in, 0, 0, maxLine, cancelled, visitor);
        }
    }

    /**
     * Reads the input's bytes as they are from byte {@code from}, {@code linesBefore} lines in
     * (follow's offsets count file bytes; it takes CRI logs record by record).
     */
    public static boolean read(Input input, long from, long linesBefore, long maxLine, AtomicLong rawBytes,
                               BooleanSupplier cancelled, Visitor visitor) throws IOException {
        try (InputStream in = openRaw(input, rawBytes)) {
            in.skipNBytes(from);
            return read(input, in, from, linesBefore, maxLine, cancelled, visitor);
        }
    }

    private static boolean read(Input input, InputStream in, long from, long linesBefore, long maxLine,
                                BooleanSupplier cancelled, Visitor visitor) throws IOException {
        long[] offset = {from};
        long[] line = {linesBefore};
        try {
            new ChunkReader(maxLine, new ArrayBlockingQueue<>(2)).read(input, in, chunk -> {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException();
                }
                if (chunk.data() == null) {
                    visitor.oversized(++line[0]);
                    offset[0] += chunk.oversized();
                    return;
                }
                byte[] data = chunk.data();
                int pos = chunk.fileStart() && from == 0 ? Bytes.bomLength(data, chunk.length()) : 0;
                while (pos < chunk.length()) {
                    pos = visitor.line(data, pos, chunk.length(), ++line[0], offset[0] + pos);
                }
                offset[0] += chunk.length();
            });
        } catch (CancellationException e) {
            return false;
        }
        return true;
    }

    /**
     * Opens {@code input} as lines the decoder takes ({@link InputFormat#lines}), the stream whose
     * offsets {@link #read(Input, long, AtomicLong, BooleanSupplier, Visitor)} reports.
     */
    public static InputStream open(Input input, AtomicLong rawBytes, long maxLine) throws IOException {
        InputStream in = openRaw(input, rawBytes);
        try {
            return InputFormat.of(in).lines(in, maxLine);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static InputStream openRaw(Input input, AtomicLong rawBytes) throws IOException {
        try {
            return input.open(rawBytes);
        } catch (IOException e) {
            throw new IOException(input.name() + ": cannot read: " + e.getMessage(), e);
        }
    }
}
