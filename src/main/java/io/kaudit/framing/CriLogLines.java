package io.kaudit.framing;

import io.kaudit.event.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Audit lines from a CRI container log (the kubelet's format under /var/log/pods:
 * {@code TIME STREAM TAG CONTENT}, TAG {@code P} for a part, {@code F} for the last one), as
 * kube-apiserver auditing to stdout leaves them, as a stream for scan and the REPL ({@link CriJoin}
 * does the joining, as it does for follow). A run of P records and the F record ending it,
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

    /** Joins the records; what it hands on is written out at its line number. */
    private final CriJoin join;
    private final FrameHandler joined = new FrameHandler() {
        @Override
        public void line(String path, byte[] b, int from, int limit, long number) {
            pad(number - 1);
            emit(b, from, limit - from);
            emitted = number;
        }

        @Override
        public void skipped(String path, long lineNumber, String reason) {
        }

        @Override
        public void notice(String message) {
        }
    };
    private long lines;     // lines read
    private long emitted;   // lines written

    private byte[] out = new byte[0];
    private int outPos;
    private int outLen;

    public CriLogLines(InputStream in, long maxLine) {
        this.in = in;
        this.join = new CriJoin(maxLine);
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
            join.flush(joined, "");
            pad(lines);   // lines of a run joined at the very end
            return outLen > 0;
        }
        if (passingLongLine || lineCut) {
            // a long line is no CRI part: let it through as it comes
            if (!passingLongLine) {
                join.flush(joined, "");
                lines++;
                pad(lines - 1);
                emitted = lines;
            }
            passingLongLine = lineCut;
            emit(line, 0, lineLen);
            return true;
        }
        join.line(joined, "", line, 0, lineLen, ++lines, 0);
        return true;
    }

    /** Blank lines up to line {@code number}: the lines a joined run took stay lines. */
    private void pad(long number) {
        for (; emitted < number; emitted++) {
            emit(NEWLINE, 0, 1);
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
