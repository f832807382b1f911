package io.kaudit.framing;

import io.kaudit.event.Bytes;
import java.io.ByteArrayOutputStream;

/**
 * Joins what spans lines in a followed file before it is handed on: pretty-printed JSON documents
 * (a line that is only {@code {} or {@code [} opens one, held until its brackets close, then handed
 * on as one line numbered as its first) and CRI partial records ({@link CriJoin}). While something
 * is held, {@link #heldSince} says where it starts, so a checkpoint never claims it: after a restart
 * it is read again, whole. A document that does not close within {@code maxLine} bytes, or by the
 * end of its file, is handed on as it was, line by line (and counted malformed there).
 */
public final class LineJoin {
    private final CriJoin cri;
    private final long maxLine;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private String name;
    private long firstLine;
    private long firstOffset = -1;
    /** Whether the held document is an object (not an array), from its first line. */
    private boolean heldObject;
    /** Where the held document's scan stands. */
    private final JsonNesting nesting = new JsonNesting();

    public LineJoin(long maxLine) {
        this.cri = new CriJoin(maxLine);
        this.maxLine = maxLine;
    }

    /** The line {@code [from, limit)}, number {@code lineNumber}, at {@code fileOffset} in its file. */
    public void line(FrameHandler out, String path, byte[] b, int from, int limit, long lineNumber, long fileOffset) {
        if (firstOffset >= 0 && startsNextDocument(b, from, limit)) {
            flush(out, path);   // the held document was never closed: its lines go on as they were
        }
        if (firstOffset < 0) {
            int start = fileOffset == 0 && from == 0 ? Bytes.bomLength(b, limit) : from;
            if (!opensDocument(b, start, limit)) {
                cri.line(out, path, b, from, limit, lineNumber, fileOffset);
                return;
            }
            cri.flush(out, path);
            name = path;
            firstLine = lineNumber;
            firstOffset = fileOffset;
            heldObject = b[Bytes.skipBlanks(b, start, limit)] == '{';
            nesting.reset();
        }
        held.write(b, from, limit - from);
        if (closes(b, from, limit)) {
            held.write('\n');
            byte[] doc = held.toByteArray();
            for (int i = 0; i < doc.length - 1; i++) {
                if (doc[i] == '\n' || doc[i] == '\r') {
                    doc[i] = ' ';   // whitespace between JSON tokens: the document becomes one line
                }
            }
            reset();
            out.line(name, doc, 0, doc.length, firstLine);
        } else if (held.size() > maxLine) {
            flush(out, path);
        }
    }

    /** Hands on what is held as it was read, line by line, named {@code path}: it will not end, or its file did. */
    public void flush(FrameHandler out, String path) {
        if (firstOffset >= 0) {
            byte[] lines = held.toByteArray();
            reset();
            FrameHandler.lines(out, path, lines, firstLine);
        }
        cri.flush(out, path);
    }

    /** Where what is held starts in its file, or -1 when nothing is. */
    public long heldSince() {
        return firstOffset >= 0 ? firstOffset : cri.heldSince();
    }

    /** Lines before what is held. */
    public long linesBeforeHeld() {
        return firstOffset >= 0 ? firstLine - 1 : cri.linesBeforeHeld();
    }

    private void reset() {
        held.reset();
        firstOffset = -1;
    }

    /**
     * A line that is only '{' at its first column, where the held document cannot go on: inside a
     * string (a raw line end there is broken JSON) or directly in its top-level object (a member
     * needs a key first). Writers begin their next document so; a torn one then ends here.
     */
    private boolean startsNextDocument(byte[] b, int from, int limit) {
        return from < limit && b[from] == '{' && Bytes.trimBlanks(b, from, limit) == from + 1
                && (nesting.inString() || nesting.depth() == 1 && heldObject);
    }

    /** A line holding only an opening bracket: how pretty-printers (jq, Jackson, json.dumps) start a document. */
    private static boolean opensDocument(byte[] b, int from, int limit) {
        int start = Bytes.skipBlanks(b, from, limit);
        int end = Bytes.trimBlanks(b, start, limit);
        return end - start == 1 && (b[start] == '{' || b[start] == '[');
    }

    /** Goes on scanning the held document; true once its outermost bracket closed. */
    private boolean closes(byte[] b, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (nesting.take(b[i])) {
                return true;
            }
        }
        return false;
    }

}
