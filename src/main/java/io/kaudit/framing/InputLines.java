package io.kaudit.framing;

import io.kaudit.event.Bytes;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Reads one input's lines in order on the calling thread (the REPL's load and re-reads, a rotated
 * file follow finishes), handing each to {@link FrameHandler#line} with its offset.
 */
public final class InputLines {
    private InputLines() {
    }

    /**
     * Reads the whole input as the decoder takes it (a CRI log with its partial records joined;
     * offsets count in that stream: read a line again with {@link #open}). Returns false when
     * {@code cancelled} stopped it early.
     */
    public static boolean read(Input input, long maxLine, AtomicLong rawBytes, BooleanSupplier cancelled, FrameHandler handler)
            throws IOException {
        try (InputStream in = open(input, rawBytes, maxLine)) {
            return read(input, in, 0, 0, maxLine, cancelled, handler);
        }
    }

    /**
     * Reads the input's bytes as they are from byte {@code from}, {@code linesBefore} lines in
     * (follow's offsets count file bytes; it takes CRI logs record by record).
     */
    public static boolean read(Input input, long from, long linesBefore, long maxLine, AtomicLong rawBytes,
                               BooleanSupplier cancelled, FrameHandler handler) throws IOException {
        try (InputStream in = openRaw(input, rawBytes)) {
            in.skipNBytes(from);
            return read(input, in, from, linesBefore, maxLine, cancelled, handler);
        }
    }

    private static boolean read(Input input, InputStream in, long from, long linesBefore, long maxLine,
                                BooleanSupplier cancelled, FrameHandler handler) throws IOException {
        long[] offset = {from};
        long[] line = {linesBefore};
        try {
            new ChunkReader(maxLine, new ArrayBlockingQueue<>(2)).read(input, in, chunk -> {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException();
                }
                if (chunk.data() == null) {
                    handler.skipped(input.name(), ++line[0], "line longer than " + maxLine + " bytes, skipped");
                    offset[0] += chunk.oversized();
                    return;
                }
                byte[] data = chunk.data();
                int len = chunk.length();
                int pos = chunk.fileStart() && from == 0 ? Bytes.bomLength(data, len) : 0;
                while (pos < len) {
                    int nl = Bytes.indexOfNewline(data, pos, len);
                    int end = nl < 0 ? len : nl + 1;
                    handler.line(input.name(), data, pos, end, ++line[0], offset[0] + pos);
                    pos = end;
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
