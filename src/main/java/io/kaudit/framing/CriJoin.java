package io.kaudit.framing;

/**
 * Joins CRI partial records handed over line by line (follow's Tailer, and {@link CriLogLines} for
 * a stream): a stdout run of P records is held
 * until its F record, then handed on as one line numbered as its first record; the server's own
 * stderr lines are handed on blank. While a run is held, {@link #heldSince} tells where it starts,
 * so a checkpoint never claims it: after a restart the run is read again, whole. A run that does
 * not end (another kind of line, the end of the file, {@code maxLine}) is handed on as it was.
 */
public final class CriJoin {
    private static final byte[] BLANK = {'\n'};

    private final CriRun run;
    private String name;
    private long firstLine;
    private long firstOffset = -1;

    public CriJoin(long maxLine) {
        this.run = new CriRun(maxLine);
    }

    /** The line {@code [from, limit)}, number {@code lineNumber}, at {@code fileOffset} in its file. */
    public void line(FrameHandler out, String path, byte[] b, int from, int limit, long lineNumber, long fileOffset) {
        int end = limit > from && b[limit - 1] == '\n' ? limit - 1 : limit;
        CriRecord r = CriRecord.parse(b, from, end);
        if (r == null) {
            flush(out, path);
            out.line(path, b, from, limit, lineNumber);
        } else if (r.stderr()) {
            if (run.isEmpty()) {
                out.line(path, BLANK, 0, 1, lineNumber);   // the server's own log, never audit
            } else {
                run.addBlank(end < limit);
            }
        } else if (!r.partial()) {
            if (run.isEmpty()) {
                out.line(path, b, from, limit, lineNumber);
            } else {
                byte[] joined = run.finish(b, from, limit, r);
                long first = firstLine;
                firstOffset = -1;
                out.line(name, joined, 0, joined.length, first);
            }
        } else {
            if (run.isEmpty()) {
                name = path;
                firstLine = lineNumber;
                firstOffset = fileOffset;
            }
            if (!run.addPart(b, from, limit, r) || end == limit) {
                flush(out, path);
            }
        }
    }

    /**
     * Hands on a held run as it was read, line by line, named {@code path} (where those lines are
     * now): it will not end, or its file did.
     */
    public void flush(FrameHandler out, String path) {
        if (run.isEmpty()) {
            return;
        }
        byte[] held = run.release();
        firstOffset = -1;
        FrameHandler.lines(out, path, held, firstLine);
    }

    /** Where the held run starts in its file, or -1 when none is held. */
    public long heldSince() {
        return firstOffset;
    }

    /** Lines before the held run. */
    public long linesBeforeHeld() {
        return firstLine - 1;
    }
}
