package io.kaudit.framing;

import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an input that is not one value per line: pretty-printed documents, concatenated JSON, a
 * whole export as one array (gcloud logging read). Top-level arrays are taken element by element so
 * a huge export never sits in memory whole. Each value comes with the line it starts on.
 *
 * <p>Values are first cut out by their brackets and quotes, then parsed one by one: a broken value
 * is reported with its line and the values after it are still read. A document whose bracket or
 * quote is missing for good runs on into those after it; where such a broken value holds a later
 * line that starts with '{' (where a writer begins its next document), it is reported as not
 * closed before that line and reading goes on there.
 *
 * <p>A value that ran on to the end of the input holds every document after it: each of them is cut
 * again from its first line when reading goes on there. What the first cut saw of each such line
 * (the document it starts never closed before the end, and where the next such line is) is kept,
 * so a document known never to close is reported and passed at once instead of being cut to the end
 * again: thousands of broken documents in a row cost as much as reading them, not as much again per
 * document.
 */
public final class DocumentReader {
    private static final int MAX_VALUE = 64 << 20;

    private final InputStream in;
    /** Bytes to read before {@link #in} again: what a broken value had taken past the next document's start. */
    private byte[] again;
    private int againPos;
    /** Where in the input {@code again[0]} is. */
    private long againAt;
    /** Where in the input {@code buf[0]} is. */
    private long base;
    /** What cuts that ran to the end of the input saw of the lines starting with '{' in them, the latest last. */
    private final java.util.ArrayDeque<Lines> seen = new java.util.ArrayDeque<>();
    /** The lines starting with '{' the value being cut holds. */
    private Lines cutting;
    private final String path;
    private final FrameHandler handler;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int len;
    private long line = 1;
    private final ByteArrayOutputStream value = new ByteArrayOutputStream();
    private final JsonNesting nesting = new JsonNesting();

    private DocumentReader(InputStream in, String path, FrameHandler handler) {
        this.in = in;
        this.path = path;
        this.handler = handler;
    }

    /**
     * Delivers every top-level value of {@code in} (every element of a top-level array) in order, as
     * {@link FrameHandler#value} of {@code path}; a broken one as {@link FrameHandler#skipped}.
     */
    public static void read(InputStream in, String path, FrameHandler handler) throws IOException {
        new DocumentReader(in, path, handler).run();
    }

    private void run() throws IOException {
        if (fill() && len >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF) {
            pos = 3;   // a UTF-8 byte order mark
        }
        int c;
        while ((c = skipBlanks()) >= 0) {
            if (c == '[') {
                pos++;
                elements();
            } else {
                one();
            }
        }
    }

    /** The elements of a top-level array whose '[' was just read. */
    private void elements() throws IOException {
        int c = skipBlanks();
        if (c == ']') {
            pos++;
            return;
        }
        while (c >= 0) {
            one();
            c = skipBlanks();
            if (c == ',') {
                pos++;
                c = skipBlanks();
                if (c == ']') {
                    pos++;
                    handler.skipped(path, line, "invalid JSON: a comma before ']'");
                    return;
                }
            } else if (c == ']') {
                pos++;
                return;
            } else if (c >= 0) {
                handler.skipped(path, line, "invalid JSON: expected ',' or ']' between array elements");
            }
        }
        handler.skipped(path, line, "invalid JSON: the array is not closed (input ends)");
    }

    /** Cuts out the value starting here and hands it over, or reports why it is not one. */
    private void one() throws IOException {
        long start = line;
        if (neverCloses()) {
            return;
        }
        value.reset();
        boolean oversized = cut();
        if (oversized) {
            handler.skipped(path, start, "invalid JSON: a value over " + (MAX_VALUE >> 20) + " MiB, skipped");
            return;
        }
        byte[] bytes = value.toByteArray();
        JsonValue v;
        try {
            v = JsonReader.parse(bytes, 0, bytes.length, Projection.ALL);
        } catch (IOException e) {
            int next = nextDocument(bytes);
            if (next > 0 && cutting.toEnd) {
                remember(cutting);
            }
            if (next > 0) {
                long lines = 0;
                for (int i = 0; i < next; i++) {
                    lines += bytes[i] == '\n' ? 1 : 0;
                }
                handler.skipped(path, start, "invalid JSON: a document not closed before line " + (start + lines));
                readAgain(bytes, next, start + lines);
                return;
            }
            long at = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                    ? start + Math.max(0, j.getLocation().getLineNr() - 1) : start;
            handler.skipped(path, at, "invalid JSON: " + JsonReader.message(e));
            return;
        }
        handler.value(path, v, start);
    }

    /**
     * The lines starting with '{' in one cut value, as the cut saw them: where each is, its line
     * number, and, where it was not inside a string there (so that cutting from it sees the same
     * brackets), whether the document it starts closes before the end of the input.
     */
    private static final class Lines {
        // (allocated at the first such line: most documents have none)
        long[] at = {};
        long[] lineOf = {};
        /** The document starting there never closes ({@link #toEnd} cuts only). */
        boolean[] neverCloses = {};
        int count;
        /** The cut ran to the end of the input. */
        boolean toEnd;
        /** Lines whose document is open: their index, and the depth of brackets before their '{'. */
        int[] open = {};
        int[] openDepth = {};
        int opened;

        void add(long where, long lineNumber, boolean inString, int depth) {
            if (count == at.length) {
                int n = Math.max(16, count * 2);
                at = java.util.Arrays.copyOf(at, n);
                lineOf = java.util.Arrays.copyOf(lineOf, n);
                neverCloses = java.util.Arrays.copyOf(neverCloses, n);
            }
            at[count] = where;
            lineOf[count] = lineNumber;
            if (!inString) {
                if (opened == open.length) {
                    int n = Math.max(16, opened * 2);
                    open = java.util.Arrays.copyOf(open, n);
                    openDepth = java.util.Arrays.copyOf(openDepth, n);
                }
                open[opened] = count;
                openDepth[opened++] = depth;
            }
            count++;
        }

        /** A bracket closed, leaving {@code depth} open: the documents of lines opened at that depth or deeper close. */
        void closed(int depth) {
            while (opened > 0 && openDepth[opened - 1] >= depth) {
                opened--;
            }
        }

        /** The cut ended at the end of the input: the documents still open never close. */
        void end() {
            toEnd = true;
            for (int i = 0; i < opened; i++) {
                neverCloses[open[i]] = true;
            }
            open = null;
            openDepth = null;
        }

        /** The index of the line starting at {@code where}, or -1. */
        int find(long where) {
            int i = java.util.Arrays.binarySearch(at, 0, count, where);
            return i >= 0 ? i : -1;
        }
    }

    private void remember(Lines lines) {
        if (seen.size() == 3) {
            seen.removeFirst();
        }
        seen.addLast(lines);
    }

    /**
     * When a cut that ran to the end of the input saw that the document starting here never closes,
     * and where the next line starting with '{' is: cutting it again would run to the end and fail
     * to parse, so it is reported as not closed before that line and reading goes on there, as
     * cutting and parsing it would.
     */
    private boolean neverCloses() throws IOException {
        if (seen.isEmpty()) {
            return false;
        }
        long here = base + pos;
        for (java.util.Iterator<Lines> it = seen.descendingIterator(); it.hasNext(); ) {
            Lines l = it.next();
            int i = l.find(here);
            if (i >= 0 && l.neverCloses[i] && i + 1 < l.count) {
                handler.skipped(path, line, "invalid JSON: a document not closed before line " + l.lineOf[i + 1]);
                moveTo(l.at[i + 1], l.lineOf[i + 1]);
                return true;
            }
        }
        return false;
    }

    /** Reads on from {@code where}, further on in the input and already read, which is on line {@code atLine}. */
    private void moveTo(long where, long atLine) throws IOException {
        while (where >= base + len) {
            if (again != null && where >= againAt && where < againAt + again.length) {
                againPos = (int) (where - againAt);   // read on from again there
                base = where;
                len = 0;
                break;
            }
            if (!fill()) {
                throw new IllegalStateException("document start beyond the input: " + where);
            }
        }
        pos = (int) (where - base);
        line = atLine;
    }

    /** Where a later line of a broken value starts with '{', or -1. */
    private static int nextDocument(byte[] bytes) {
        for (int i = 1; i < bytes.length; i++) {
            if (bytes[i] == '{' && bytes[i - 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads on from {@code bytes[from..]} (taken by a broken value), then what was not read yet: one
     * flat array ahead of the input, however many broken documents follow one another.
     */
    private void readAgain(byte[] bytes, int from, long atLine) {
        long where = base + pos - (bytes.length - from);
        if (again != null && where >= againAt) {
            againPos = (int) (where - againAt);   // all of it is in again still: no copy
        } else {
            java.io.ByteArrayOutputStream ahead = new java.io.ByteArrayOutputStream();
            ahead.write(bytes, from, bytes.length - from);
            ahead.write(buf, pos, len - pos);
            if (again != null) {
                ahead.write(again, againPos, again.length - againPos);
            }
            again = ahead.toByteArray();
            againPos = 0;
            againAt = where;
        }
        base = where;
        pos = 0;
        len = 0;
        line = atLine;
    }

    /**
     * Copies one value's bytes into {@code value}: to its matching bracket or closing quote, or, for
     * a literal, to the next separator. True when it was too big to keep. Bytes are copied a buffer
     * at a time, not one by one.
     */
    private boolean cut() throws IOException {
        nesting.reset();
        cutting = new Lines();
        long start = base + pos;
        byte previous = 0;
        boolean[] oversized = {false};
        int from = pos;   // the part of buf not yet copied into value
        while (true) {
            if (pos == len) {
                keep(from, pos, oversized);
                if (!fill()) {
                    cutting.end();
                    return oversized[0];
                }
                from = 0;
            }
            byte c = buf[pos];
            if (!nesting.open() && (pos > from || value.size() > 0) && (c == ',' || c == ']' || c == '}' || c <= ' ')) {
                keep(from, pos, oversized);
                return oversized[0];   // a literal ends
            }
            boolean inString = nesting.inString();
            if (c == '{' && previous == '\n' && base + pos > start) {
                cutting.add(base + pos, line, inString, nesting.depth());
            }
            previous = c;
            pos++;
            if (c == '\n') {
                line++;
            }
            if (nesting.take(c)) {
                keep(from, pos, oversized);
                return oversized[0];
            }
            if (!inString && (c == '}' || c == ']')) {
                cutting.closed(nesting.depth());
            }
        }
    }

    /** Adds {@code buf[from, to)} to the value, unless it has grown too big to keep. */
    private void keep(int from, int to, boolean[] oversized) {
        if (oversized[0]) {
            return;
        }
        if (value.size() + (to - from) > MAX_VALUE) {
            oversized[0] = true;
            value.reset();
            return;
        }
        value.write(buf, from, to - from);
    }

    /** The next byte that is not blank (left unread), or -1 at the end. */
    private int skipBlanks() throws IOException {
        while (true) {
            if (pos == len && !fill()) {
                return -1;
            }
            byte c = buf[pos];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return c & 0xff;
            }
            if (c == '\n') {
                line++;
            }
            pos++;
        }
    }

    private boolean fill() throws IOException {
        base += len;
        if (again != null) {
            base = againAt + againPos;
            len = Math.min(buf.length, again.length - againPos);
            System.arraycopy(again, againPos, buf, 0, len);
            againPos += len;
            if (againPos == again.length) {
                again = null;
            }
            pos = 0;
            if (len > 0) {
                return true;
            }
        }
        len = in.read(buf, 0, buf.length);
        pos = 0;
        if (len <= 0) {
            len = 0;
            return false;
        }
        return true;
    }
}
