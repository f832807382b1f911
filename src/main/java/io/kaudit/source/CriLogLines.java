package io.kaudit.source;

import io.kaudit.event.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Audit lines from a CRI container log (the kubelet's format under /var/log/pods:
 * {@code TIME STREAM TAG CONTENT}, TAG {@code P} for a part, {@code F} for the last one), as
 * kube-apiserver auditing to stdout leaves them. A run of P records and the F record ending it,
 * which the kubelet writes for every event over 16 KiB, becomes one F line followed by one blank
 * line per record joined, so line numbers stay those of the file. The server's own log lines on
 * stderr become blank lines: they are never audit events. A run cut short by a line that is no
 * record, by the end of the input or by {@code maxLine} passes through unchanged (and is reported
 * malformed downstream).
 */
public final class CriLogLines extends InputStream {
    /** A record longer than this is no CRI part; it passes through without being held. */
    private static final int MAX_RECORD = 1 << 20;
    private static final byte[] NEWLINE = {'\n'};

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int bufPos;
    private int bufLen;
    private boolean inEof;

    /** The line being read (up to MAX_RECORD bytes); {@code lineCut} when the rest is still to come. */
    private byte[] line = new byte[256];
    private int lineLen;
    private boolean lineCut;
    private boolean passingLongLine;

    /** The P records held back until the F record that ends them. */
    private final CriRun run;

    private byte[] out = new byte[0];
    private int outPos;
    private int outLen;

    public CriLogLines(InputStream in, long maxLine) {
        this.in = in;
        this.run = new CriRun(maxLine);
    }

    @Override
    public int read() throws IOException {
        while (outPos == outLen) {
            if (!fill()) {
                return -1;
            }
        }
        return out[outPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (outPos == outLen) {
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, outLen - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Produces the next output (possibly none, while a run is held); false at the end. */
    private boolean fill() throws IOException {
        outPos = 0;
        outLen = 0;
        if (!readLine()) {
            flushRun();
            return outLen > 0;
        }
        if (passingLongLine || lineCut) {
            // a long line is no CRI part: let it through as it comes
            if (!passingLongLine) {
                flushRun();
            }
            passingLongLine = lineCut;
            emit(line, 0, lineLen);
            return true;
        }
        record();
        return true;
    }

    /** Handles the complete line in {@code line}: holds a part, ends a run, or passes it on. */
    private void record() {
        int end = lineLen > 0 && line[lineLen - 1] == '\n' ? lineLen - 1 : lineLen;
        boolean newline = end < lineLen;
        CriRecord r = CriRecord.parse(line, 0, end);
        if (r == null) {
            flushRun();
            emit(line, 0, lineLen);
        } else if (r.stderr()) {
            // the server's own log, never audit: a blank line in its place (after a run it interrupts)
            if (run.isEmpty()) {
                emit(NEWLINE, 0, newline ? 1 : 0);
            } else {
                run.addBlank(newline);
            }
        } else if (!r.partial()) {
            if (run.isEmpty()) {
                emit(line, 0, lineLen);
                return;
            }
            int held = run.lines();
            byte[] joined = run.finish(line, 0, lineLen, r);
            emit(joined, 0, joined.length);
            for (int i = 0; i < held; i++) {
                emit(NEWLINE, 0, 1);   // the lines joined stay lines, so numbers stay the file's
            }
        } else if (!run.addPart(line, 0, lineLen, r) || !newline) {
            flushRun();   // an endless run is no event; a part without a newline ends the input
        }
    }

    private void flushRun() {
        if (!run.isEmpty()) {
            byte[] held = run.release();
            emit(held, 0, held.length);
        }
    }

    private void emit(byte[] b, int off, int len) {
        if (outLen + len > out.length) {
            out = Arrays.copyOf(out, Math.max(outLen + len, out.length * 2));
        }
        System.arraycopy(b, off, out, outLen, len);
        outLen += len;
    }

    /**
     * Reads the next line (with its newline, if any) into {@code line}, at most MAX_RECORD bytes:
     * {@code lineCut} says the line goes on. False at the end of the input.
     */
    private boolean readLine() throws IOException {
        lineLen = 0;
        lineCut = false;
        while (true) {
            if (bufPos == bufLen) {
                if (inEof || !refill()) {
                    return lineLen > 0;
                }
            }
            int nl = Bytes.indexOfNewline(buf, bufPos, bufLen);
            int take = (nl < 0 ? bufLen : nl + 1) - bufPos;
            if (lineLen + take > MAX_RECORD) {
                take = MAX_RECORD - lineLen;
                append(take);
                lineCut = true;
                return true;
            }
            append(take);
            if (nl >= 0) {
                return true;
            }
        }
    }

    private void append(int n) {
        if (lineLen + n > line.length) {
            line = Arrays.copyOf(line, Math.max(lineLen + n, line.length * 2));
        }
        System.arraycopy(buf, bufPos, line, lineLen, n);
        lineLen += n;
        bufPos += n;
    }

    private boolean refill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            inEof = true;
            return false;
        }
        bufPos = 0;
        bufLen = n;
        return true;
    }
}
