package io.kaudit.live;

import io.kaudit.event.Bytes;
import io.kaudit.framing.ChunkReader;
import io.kaudit.framing.LineJoin;
import io.kaudit.framing.FrameHandler;
import io.kaudit.framing.InputLines;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows one path as kube-apiserver (or logrotate) writes it: complete lines only (a half-written
 * line waits for its newline), through rename-and-create rotation (the old file is read to its end
 * first), copytruncate (the file shrinks: start again at 0), delete and re-create, and a file that
 * does not exist yet. Memory is bounded: a line over {@code maxLine} is skipped and reported.
 *
 * <p>Not thread-safe: one thread polls.
 */
public final class Tailer {
    /**
     * Leading bytes compared to tell a file truncated and written again: more than the ~80 bytes
     * every audit line starts with ({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":...,"auditID":),
     * so the first event's auditID is in it.
     */
    private static final int HEAD_BYTES = FileIdentity.FINGERPRINT_BYTES;
    /** Default for how long a rotated-away file is still read once a new file is there (Fluent Bit's Rotate_Wait). */
    public static final long ROTATE_WAIT_MILLIS = 5000;
    /** How long the path may have no file before follow says so. */
    static final long ABSENT_NOTICE_MILLIS = 10_000;

    private final Path path;
    private final String name;
    private final long maxLine;
    private FileChannel channel;
    private FileIdentity identity;
    private long offset;       // file offset of buf[0]: everything before it is processed
    private long line;         // lines processed so far in the current file
    private byte[] buf = new byte[64 * 1024];
    private int filled;
    private boolean skipping;  // inside an over-long line, discarding up to its newline
    private boolean startAtEnd;
    private byte[] head = new byte[0];   // the file's first bytes as first seen: a rewrite changes them
    private final LineJoin join;         // what spans lines: pretty-printed documents, CRI partial records
    private String reading;              // what lines are named by: the path, or where the file was rotated to
    private long rotateWait = ROTATE_WAIT_MILLIS;
    private long absentNotice = ABSENT_NOTICE_MILLIS;
    /** Since when the path has had no file (-1: it has one), and whether a notice said so. */
    private long absentSince = -1;
    private boolean absentNoted;
    private State rotated;               // the file rotated away, still read until its deadline
    private long rotatedUntil;

    /** The reading state of one open file, set aside while a rotated-away file is still read. */
    private static final class State {
        FileChannel channel;
        FileIdentity identity;
        long offset;
        long line;
        byte[] buf;
        int filled;
        boolean skipping;
        byte[] head;
        String reading;
    }

    /**
     * @param name       how alerts and checkpoints name the path (as the user gave it)
     * @param startAtEnd for a file already there with no checkpoint: only new lines
     */
    public Tailer(Path path, String name, long maxLine, boolean startAtEnd) {
        this.path = path;
        this.name = name;
        this.maxLine = maxLine;
        this.startAtEnd = startAtEnd;
        this.join = new LineJoin(maxLine);
    }

    public String name() {
        return name;
    }

    /**
     * How long a file rotated away (renamed) is still read after a new file appears at the path, for
     * a writer that still holds it open (default {@link #ROTATE_WAIT_MILLIS}; 0: finish it at once).
     */
    public Tailer rotateWait(long millis) {
        this.rotateWait = Math.max(0, millis);
        return this;
    }

    /**
     * How long the path may stay without a file before a notice says so (default {@link #ABSENT_NOTICE_MILLIS}):
     * long enough that a rotation's moment between rename and create says nothing.
     */
    Tailer absentNotice(long millis) {
        this.absentNotice = Math.max(0, millis);
        return this;
    }

    /** Says once, after {@link #absentNotice}, that the path has no file; and when one comes. */
    private void noteAbsent(FrameHandler out) {
        long now = System.currentTimeMillis();
        if (absentSince < 0) {
            absentSince = now;
        } else if (!absentNoted && now - absentSince >= absentNotice) {
            absentNoted = true;
            out.notice(name + ": no file at this path (not created yet, or deleted or moved away); waiting for one");
        }
    }

    private State save() {
        State st = new State();
        st.channel = channel;
        st.identity = identity;
        st.offset = offset;
        st.line = line;
        st.buf = buf;
        st.filled = filled;
        st.skipping = skipping;
        st.head = head;
        st.reading = reading;
        return st;
    }

    private void restore(State st) {
        channel = st.channel;
        identity = st.identity;
        offset = st.offset;
        line = st.line;
        buf = st.buf;
        filled = st.filled;
        skipping = st.skipping;
        head = st.head;
        reading = st.reading;
    }

    /** Reads what was added to the rotated-away file; past its rotate-wait, finishes and closes it. */
    private void readRotated(FrameHandler out, boolean finish) throws IOException {
        if (rotated == null) {
            return;
        }
        State current = save();
        restore(rotated);
        try {
            read(out);
            if (finish || System.currentTimeMillis() >= rotatedUntil) {
                consume(out, true);
                closeCurrent();
                rotated = null;
            } else {
                join.flush(out, reading);   // lines never span files
                rotated = save();
            }
        } finally {
            restore(current);
        }
    }

    /**
     * Resumes where a checkpoint left off. If the checkpointed file was rotated away while kaudit was
     * stopped, it is found beside the path (renamed, or already gzipped) and finished first.
     */
    public void resume(Checkpoint.Entry e, FrameHandler out) throws IOException {
        startAtEnd = false;
        if (e.identity().describes(path)) {
            open(e.offset(), e.line());
            if (channel.size() < offset) {
                out.notice(name + ": shorter than the checkpoint says (truncated while stopped): reading from the start");
                open(0, 0);
            }
            return;
        }
        Path backup = findRotated(e.identity());
        if (backup != null) {
            out.notice(name + ": rotated while stopped; finishing " + backup + " from the checkpoint first");
            drain(backup, e.offset(), e.line(), out);
        } else {
            out.notice(name + ": the checkpointed file is gone; reading the current file from the start");
        }
    }

    /**
     * The checkpoint entry of the file rotated away and still read for its rotate-wait, or null: a
     * restart finishes it from there ({@link #resumeRotated}) before the current file.
     */
    public Checkpoint.Entry rotatedPosition() {
        return rotated == null || rotated.identity == null ? null
                : new Checkpoint.Entry(rotated.identity, rotated.offset, rotated.line);
    }

    /** Finishes, from its checkpoint entry, the file that was in its rotate-wait when kaudit stopped. */
    public void resumeRotated(Checkpoint.Entry e, FrameHandler out) throws IOException {
        Path backup = findRotated(e.identity());
        if (backup == null) {
            out.notice(name + ": the file rotated away before the stop is gone; lines added to it since are lost");
            return;
        }
        out.notice(name + ": finishing " + backup + ", rotated away before the stop, from the checkpoint first");
        drain(backup, e.offset(), e.line(), out);
    }

    /**
     * Opens the file now if it exists, so "start at the end" means the end at start-up, not at the
     * first poll (lines written in between are new lines).
     */
    public void open() throws IOException {
        if (channel == null) {
            tryOpen();
        }
    }

    /** Reads whatever complete lines are there, handling rotation and truncation. */
    public void poll(FrameHandler out) throws IOException {
        readRotated(out, false);
        if (channel == null) {
            if (!tryOpen()) {
                noteAbsent(out);
                return;
            }
            if (absentNoted) {
                out.notice(name + ": a file is there now; reading it from the start");
            }
            absentSince = -1;
            absentNoted = false;
        }
        FileIdentity now = FileIdentity.stat(path);
        if (now == null || !now.sameInode(identity)) {
            Path moved = null;
            try {
                moved = findRotated(identity);
            } catch (IOException gone) {
                // the folder went too: the lines keep the followed name
            }
            if (moved != null) {
                reading = moved.toString();   // its last lines are found there now
            }
            read(out);           // renamed or deleted: read the old file to its end first
            if (now != null && moved != null && rotateWait > 0) {
                // renamed, and a new file is there: a writer may still add to the old one for a while
                readRotated(out, true);   // a second rotation within the wait: the first one is done
                join.flush(out, reading);
                rotated = save();
                rotatedUntil = System.currentTimeMillis() + rotateWait;
                channel = null;
                identity = null;
                buf = new byte[64 * 1024];
                filled = 0;
            } else {
                finishFile(out);
            }
            if (now != null && tryOpen()) {
                out.notice(name + ": rotated; now reading the new file");
                read(out);
            }
        } else if (channel.size() < offset + filled || rewritten()) {
            out.notice(name + ": truncated (copytruncate); reading again from the start");
            join.flush(out, reading);
            open(0, 0);
            read(out);
        } else {
            read(out);
        }
    }

    /**
     * The checkpoint entry for what has been processed, or null when no file is open. A CRI run
     * still held is not processed: a restart reads it again.
     */
    public Checkpoint.Entry position() {
        if (identity == null) {
            return null;
        }
        if (identity.fingerprintLength() < FileIdentity.FINGERPRINT_BYTES) {
            FileIdentity fresh = FileIdentity.of(path);
            if (fresh != null && fresh.sameInode(identity)) {
                identity = fresh;
            }
        }
        if (join.heldSince() >= 0) {
            return new Checkpoint.Entry(identity, join.heldSince(), join.linesBeforeHeld());
        }
        return new Checkpoint.Entry(identity, offset, line);
    }

    /**
     * Bytes of the open file after the last complete line handed over: a line still being written
     * (read once its newline comes; a checkpoint saved now points before it).
     */
    public long unfinishedBytes() {
        try {
            return channel == null ? 0 : Math.max(0, channel.size() - offset);
        } catch (IOException e) {
            return 0;
        }
    }

    public void close() throws IOException {
        if (rotated != null && rotated.channel != null) {
            rotated.channel.close();
            rotated = null;
        }
        closeCurrent();
    }

    private void closeCurrent() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private boolean tryOpen() throws IOException {
        if (!Files.isRegularFile(path)) {
            startAtEnd = false;   // whatever appears later is new
            return false;
        }
        if (startAtEnd) {
            startAtEnd = false;
            long size = Files.size(path);
            open(size, countLines(size));
        } else {
            open(0, 0);
        }
        return true;
    }

    /** True when the first bytes differ from those first seen: truncated and written again since the last poll. */
    private boolean rewritten() throws IOException {
        if (head.length < HEAD_BYTES) {
            byte[] now = new byte[HEAD_BYTES];
            int n = Math.max(0, channel.read(ByteBuffer.wrap(now), 0));
            if (n < head.length) {
                return true;
            }
            boolean same = Arrays.equals(now, 0, head.length, head, 0, head.length);
            head = Arrays.copyOf(now, n);
            return !same;
        }
        byte[] now = new byte[HEAD_BYTES];
        int n = channel.read(ByteBuffer.wrap(now), 0);
        return n < HEAD_BYTES || !Arrays.equals(now, head);
    }

    private void open(long at, long lines) throws IOException {
        closeCurrent();
        identity = FileIdentity.of(path);
        channel = FileChannel.open(path);
        head = new byte[0];
        offset = at;
        line = lines;
        reading = name;
        filled = 0;
        skipping = false;
    }

    private long countLines(long size) throws IOException {
        long n = 0;
        byte[] b = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(path)) {
            long left = size;
            int r;
            while (left > 0 && (r = in.read(b, 0, (int) Math.min(b.length, left))) > 0) {
                for (int i = Bytes.indexOfNewline(b, 0, r); i >= 0; i = Bytes.indexOfNewline(b, i + 1, r)) {
                    n++;
                }
                left -= r;
            }
        }
        return n;
    }

    /** Reads new bytes from the open file and hands over every complete line. */
    private void read(FrameHandler out) throws IOException {
        while (true) {
            if (filled == buf.length) {
                if (buf.length > maxLine) {
                    // an over-long line: drop what we have and discard up to its newline
                    skipping = true;
                    offset += filled;
                    filled = 0;
                } else {
                    buf = ChunkReader.grow(buf, maxLine);
                }
            }
            int n = channel.read(ByteBuffer.wrap(buf, filled, buf.length - filled), offset + filled);
            if (n <= 0) {
                return;
            }
            filled += n;
            consume(out, false);
        }
    }

    /** Hands over complete lines; with {@code atEnd} also a last line without newline. */
    private void consume(FrameHandler out, boolean atEnd) {
        int start = 0;
        int nl;
        while ((nl = Bytes.indexOfNewline(buf, start, filled)) >= 0) {
            line++;
            // over --max-line: one that outgrew the buffer (skipping), or one the buffer, larger than a
            // small --max-line, holds whole (it was handed on and evaluated)
            if (skipping || nl - start > maxLine) {
                skipping = false;
                join.flush(out, reading);
                out.skipped(reading, line, tooLong());
            } else {
                join.line(out, reading, buf, start, nl + 1, line, offset + start);
            }
            start = nl + 1;
        }
        if (atEnd && start < filled) {
            line++;
            if (skipping || filled - start > maxLine) {
                join.flush(out, reading);
                out.skipped(reading, line, tooLong());
            } else {
                join.line(out, reading, buf, start, filled, line, offset + start);
            }
            start = filled;
            skipping = false;
        }
        if (atEnd) {
            join.flush(out, reading);   // lines never span files
        }
        offset += start;
        System.arraycopy(buf, start, buf, 0, filled - start);
        filled -= start;
    }

    private String tooLong() {
        return "line longer than --max-line (" + maxLine + " bytes), skipped";
    }

    /** The file was rotated away or deleted: its last bytes are a line too (lines never span files). */
    private void finishFile(FrameHandler out) throws IOException {
        consume(out, true);
        closeCurrent();
        identity = null;
    }

    /** Reads a rotated-away file (plain or gzipped) from {@code at} to its end. */
    private void drain(Path file, long at, long lines, FrameHandler out) throws IOException {
        String saved = file.toString();
        InputLines.read(new Input(saved, file), at, lines, maxLine, new AtomicLong(), () -> false,
                new InputLines.Visitor() {
                    @Override
                    public int line(byte[] data, int from, int limit, long lineNumber, long offset) {
                        int nl = Bytes.indexOfNewline(data, from, limit);
                        int end = nl < 0 ? limit : nl + 1;
                        if ((nl < 0 ? limit : nl) - from > maxLine) {   // over a --max-line smaller than a chunk
                            join.flush(out, saved);
                            out.skipped(saved, lineNumber, tooLong());
                            return end;
                        }
                        join.line(out, saved, data, from, end, lineNumber, offset);
                        return end;
                    }

                    @Override
                    public void oversized(long lineNumber) {
                        join.flush(out, saved);
                        out.skipped(saved, lineNumber, tooLong());
                    }
                });
        join.flush(out, saved);
    }

    /** The file with this identity beside the path (lumberjack or logrotate backup, maybe gzipped). */
    private Path findRotated(FileIdentity id) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path gz = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!Files.isRegularFile(f) || f.equals(path.toAbsolutePath())) {
                    continue;
                }
                if (id.describes(f)) {
                    return f;
                }
                if (f.getFileName().toString().endsWith(".gz") && id.matchesStart(f)) {
                    gz = f;
                }
            }
        }
        return gz;
    }
}
