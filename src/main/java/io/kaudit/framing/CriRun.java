package io.kaudit.framing;

import java.io.ByteArrayOutputStream;

/**
 * A run of CRI partial records (stdout, tag P) being joined back into the line they were cut from,
 * which the record tagged F ends. Lines of the other stream met meanwhile are held as blank lines,
 * so that a run given up is handed back line for line.
 */
final class CriRun {
    private final long maxLine;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final ByteArrayOutputStream joined = new ByteArrayOutputStream();
    private int lines;

    CriRun(long maxLine) {
        this.maxLine = maxLine;
    }

    boolean isEmpty() {
        return lines == 0;
    }

    /** Lines held: the parts and the blank lines between them. */
    int lines() {
        return lines;
    }

    /**
     * Holds the part in the line {@code [from, limit)} (its newline included); false when the run
     * has grown past {@code maxLine} and should be given up.
     */
    boolean addPart(byte[] b, int from, int limit, CriRecord r) {
        if (lines == 0) {
            joined.write(b, from, r.tagStart() - from);   // "TIME stdout "
            joined.write('F');
            joined.write(' ');
        }
        raw.write(b, from, limit - from);
        joined.write(b, r.contentStart(), contentEnd(b, r, limit) - r.contentStart());
        lines++;
        return joined.size() <= maxLine;
    }

    /** Holds a line of the other stream (the server's own log) as a blank line. */
    void addBlank(boolean newline) {
        if (newline) {
            raw.write('\n');
        }
        lines++;
    }

    /** The joined line, the held parts then the last record {@code [from, limit)}, with a newline. */
    byte[] finish(byte[] b, int from, int limit, CriRecord r) {
        joined.write(b, r.contentStart(), contentEnd(b, r, limit) - r.contentStart());
        joined.write('\n');
        byte[] line = joined.toByteArray();
        clear();
        return line;
    }

    /** The lines held, as they were read (other-stream lines blank); the run is then empty. */
    byte[] release() {
        byte[] held = raw.toByteArray();
        clear();
        return held;
    }

    private void clear() {
        raw.reset();
        joined.reset();
        lines = 0;
    }

    private static int contentEnd(byte[] b, CriRecord r, int limit) {
        int end = limit > r.contentStart() && b[limit - 1] == '\n' ? limit - 1 : limit;
        return Math.max(end, r.contentStart());
    }
}
