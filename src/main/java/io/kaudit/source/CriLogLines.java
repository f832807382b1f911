package io.kaudit.source;

import io.kaudit.event.Bytes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

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
    private static final Pattern FIRST_LINE = Pattern.compile("[0-9]\\S* (stdout|stderr) [PF] .*");
    /** A record longer than this is no CRI part; it passes through without being held. */
    private static final int MAX_RECORD = 1 << 20;
    private static final byte[] NEWLINE = {'\n'};

    private final InputStream in;
    private final long maxLine;
    private final byte[] buf = new byte[1 << 16];
    private int bufPos;
    private int bufLen;
    private boolean inEof;

    /** The line being read (up to MAX_RECORD bytes); {@code lineCut} when the rest is still to come. */
    private byte[] line = new byte[256];
    private int lineLen;
    private boolean lineCut;
    private boolean passingLongLine;

    /** The P run held back: its records as read, and the joined line it becomes. */
    private final ByteArrayOutputStream runRaw = new ByteArrayOutputStream();
    private final ByteArrayOutputStream runJoined = new ByteArrayOutputStream();
    private int runRecords;
    /** Lines of the other stream met inside the run (blank in the output). */
    private int runBlanks;

    private byte[] out = new byte[0];
    private int outPos;
    private int outLen;

    public CriLogLines(InputStream in, long maxLine) {
        this.in = in;
        this.maxLine = maxLine;
    }

    /** True when the first line of {@code head} holding anything is a CRI record. */
    public static boolean looksLikeCri(byte[] head, int from, int to) {
        int start = from;
        while (start < to) {
            int nl = Bytes.indexOfNewline(head, start, to);
            int end = nl < 0 ? to : nl;
            String first = new String(head, start, Math.min(end - start, 200), StandardCharsets.UTF_8);
            if (!first.isBlank()) {
                return FIRST_LINE.matcher(first.strip()).matches();
            }
            if (nl < 0) {
                return false;
            }
            start = nl + 1;
        }
        return false;
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

    /** Handles the complete line in {@code line}: holds a P record, ends a run, or passes it on. */
    private void record() {
        int end = lineLen > 0 && line[lineLen - 1] == '\n' ? lineLen - 1 : lineLen;
        int newline = lineLen - end;
        int sp1 = indexOf(line, ' ', 0, end);
        int sp2 = sp1 < 0 ? -1 : indexOf(line, ' ', sp1 + 1, end);
        int sp3 = sp2 < 0 ? -1 : indexOf(line, ' ', sp2 + 1, end);
        boolean cri = sp1 > 0 && sp3 == sp2 + 2 && line[0] >= '0' && line[0] <= '9';
        String stream = cri ? new String(line, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.US_ASCII) : "";
        byte tag = cri ? line[sp2 + 1] : 0;
        if (!stream.equals("stdout") && !stream.equals("stderr") || tag != 'P' && tag != 'F') {
            flushRun();
            emit(line, 0, lineLen);
            return;
        }
        if (stream.equals("stderr")) {
            // the server's own log, never audit: a blank line in its place (after a run it interrupts)
            if (runRecords > 0) {
                runRaw.write(NEWLINE, 0, newline);
                runBlanks += newline;
            } else {
                emit(NEWLINE, 0, newline);
            }
            return;
        }
        if (tag == 'F') {
            if (runRecords == 0) {
                emit(line, 0, lineLen);
                return;
            }
            runJoined.write(line, sp3 + 1, end - sp3 - 1);
            runJoined.write('\n');
            for (int i = 0; i < runRecords + runBlanks; i++) {
                runJoined.write('\n');   // the lines joined stay lines, so numbers stay the file's
            }
            byte[] joined = runJoined.toByteArray();
            resetRun();
            emit(joined, 0, joined.length);
            return;
        }
        if (runRecords == 0) {
            runJoined.write(line, 0, sp2 + 1);
            runJoined.write('F');
            runJoined.write(' ');
        }
        runRaw.write(line, 0, lineLen);
        runJoined.write(line, sp3 + 1, end - sp3 - 1);
        runRecords++;
        if (newline == 0 || runJoined.size() > maxLine) {
            flushRun();   // a part without a newline ends the input; an endless run is no event
        }
    }

    private void flushRun() {
        if (runRecords > 0) {
            byte[] raw = runRaw.toByteArray();
            resetRun();
            emit(raw, 0, raw.length);
        }
    }

    private void resetRun() {
        runRaw.reset();
        runJoined.reset();
        runRecords = 0;
        runBlanks = 0;
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

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
