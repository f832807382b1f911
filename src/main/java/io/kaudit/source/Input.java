package io.kaudit.source;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * One input: a file (plain or gzip, told apart by its first bytes, not its name; UTF-8, or UTF-16
 * with its byte order mark) or standard input.
 *
 * @param name how messages and alert locations name it (the path as the user gave it)
 * @param path the file, or null for standard input
 */
public record Input(String name, Path path) {
    private static final int BUFFER = 1 << 16;

    public static Input stdin() {
        return new Input("-", null);
    }

    /** Size on disk (compressed size for gzip), or 0 for stdin and unknown sizes. */
    public long size() {
        try {
            return path == null ? 0 : Files.size(path);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Opens the decompressed content. {@code rawBytes} counts bytes read from disk (for progress).
     *
     * @throws IOException naming the file when it cannot be opened
     */
    public InputStream open(AtomicLong rawBytes) throws IOException {
        InputStream raw;
        try {
            raw = path == null ? StickyEof.stdin()
                    // on the default file system FileInputStream reads ~1.3x faster than a channel stream
                    : path.getFileSystem() == FileSystems.getDefault() ? new FileInputStream(path.toFile())
                    : Files.newInputStream(path);
        } catch (IOException e) {
            throw new IOException(reason(e), e);
        }
        BufferedInputStream in = new BufferedInputStream(new Counting(raw, rawBytes), BUFFER);
        String other = otherCompression(in);
        if (other != null) {
            in.close();
            throw new UnreadableFormatException(other + " (kaudit reads plain and gzip logs: "
                    + (other.endsWith("archive") ? "unpack it and scan the files)"
                    : "decompress it first, or pipe it: " + tool(other) + " -dc " + name + " | kaudit scan -)"));
        }
        if (startsWith(in, 0x1f, 0x8b)) {
            in = new BufferedInputStream(new Gzip(in), BUFFER);
        }
        if (startsWith(in, 0xFF, 0xFE) || startsWith(in, 0xFE, 0xFF)) {
            in = new BufferedInputStream(new Utf16AsUtf8(in), BUFFER);
        }
        return in;
    }

    /**
     * Stdin that stays at its end once it got there: on a terminal Ctrl-D ends one read only, and
     * the sniffing and framing after it would wait for a second (and third) Ctrl-D.
     */
    private static final class StickyEof extends java.io.FilterInputStream {
        private static StickyEof current;
        private final InputStream source;
        private boolean ended;

        StickyEof(InputStream in) {
            super(in);
            this.source = in;
        }

        /** One per System.in: an input opened again (format sniffing, then reading) sees the same end. */
        static synchronized StickyEof stdin() {
            if (current == null || current.source != System.in) {
                current = new StickyEof(System.in);
            }
            return current;
        }

        @Override
        public int read() throws IOException {
            if (ended) {
                return -1;
            }
            int b = super.read();
            ended = b < 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            int n = super.read(b, off, len);
            ended = n < 0;
            return n;
        }

        @Override
        public void close() {
            // System.in stays open
        }
    }

    /**
     * Compressed data that ends early (a gzip copied while still being written, or damaged): what came
     * before it was read; the message says so.
     */
    public static final class CutShortException extends IOException {
        CutShortException(IOException cause) {
            super("compressed data ends early (" + cause.getMessage() + "); the rest is lost", cause);
        }

        CutShortException(String why) {
            super(why + "; the rest is lost");
        }
    }

    /** An input of a format kaudit recognises but does not read (another compression, an archive). */
    public static final class UnreadableFormatException extends IOException {
        UnreadableFormatException(String message) {
            super(message);
        }
    }

    /** The compression or archive format the next bytes announce, other than gzip, or null. */
    private static String otherCompression(BufferedInputStream in) throws IOException {
        in.mark(6);
        byte[] head = in.readNBytes(6);
        in.reset();
        String[][] magics = {
            {"28b52ffd", "zstd-compressed"}, {"fd377a585a00", "xz-compressed"}, {"425a68", "bzip2-compressed"},
            {"04224d18", "lz4-compressed"}, {"504b0304", "a zip archive"}, {"377abcaf271c", "a 7-Zip archive"}};
        String hex = java.util.HexFormat.of().formatHex(head);
        for (String[] m : magics) {
            if (hex.startsWith(m[0])) {
                return m[1];
            }
        }
        return null;
    }

    private static String tool(String compression) {
        return compression.substring(0, compression.indexOf('-'));
    }

    /** Whether the next two bytes are {@code b0, b1}, reading nothing. */
    private static boolean startsWith(BufferedInputStream in, int b0, int b1) throws IOException {
        in.mark(2);
        try {
            return in.read() == b0 && in.read() == b1;
        } catch (CutShortException cut) {
            return false;   // a gzip cut within its first bytes: the reader meets the cut again
        } finally {
            in.reset();
        }
    }

    /**
     * Why a file would not open or read, without its path (callers name the file): FileInputStream
     * says "PATH (Permission denied)", NIO throws exceptions whose message is the path, a decoder
     * "Input length = 1".
     */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "not UTF-8 text (a binary file?)";
        }
        String m = String.valueOf(e.getMessage());
        int open = m.lastIndexOf(" (");
        if (e instanceof FileNotFoundException && open >= 0 && m.endsWith(")")) {
            return m.substring(open + 2, m.length() - 1).toLowerCase(Locale.ROOT);
        }
        return m;
    }

    /**
     * The content of a gzip stream. A cut surfaces as {@link CutShortException}. It reports nothing
     * available without blocking: a BufferedInputStream keeps reading while its source claims more
     * (GZIPInputStream always does) and, should a later read throw at the cut, loses what the
     * earlier reads of that call had copied, the last whole lines before the cut. With no estimate
     * it reads once per call, so the cut comes on a call of its own.
     */
    private static final class Gzip extends FilterInputStream {
        Gzip(InputStream compressed) throws IOException {
            super(open(compressed));
        }

        private static InputStream open(InputStream compressed) throws IOException {
            try {
                return new Members(compressed);   // reads the header
            } catch (java.io.EOFException | java.util.zip.ZipException cut) {
                throw new CutShortException(cut);
            }
        }

        @Override
        public int read() throws IOException {
            try {
                return ended(in.read());
            } catch (java.io.EOFException | java.util.zip.ZipException cut) {
                throw new CutShortException(cut);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return ended(in.read(b, off, len));
            } catch (java.io.EOFException | java.util.zip.ZipException cut) {
                throw new CutShortException(cut);
            }
        }

        /** {@code n}, unless the end it announces leaves bytes that are not gzip behind. */
        private int ended(int n) throws IOException {
            if (n < 0 && ((Members) in).notGzipAfter()) {
                throw new CutShortException("bytes after a gzip member are not gzip data (a damaged member header?)");
            }
            return n;
        }

        @Override
        public int available() {
            return 0;
        }
    }

    /**
     * GZIPInputStream ends quietly where the bytes after a member are not a gzip header (it takes
     * them for padding): a damaged second member lost every line after it without a word.
     */
    private static final class Members extends GZIPInputStream {
        private boolean checked;

        Members(InputStream compressed) throws IOException {
            super(compressed, BUFFER);
        }

        /** At the end: whether bytes remain past the last member's 8-byte trailer (once). */
        boolean notGzipAfter() throws IOException {
            if (checked) {
                return false;
            }
            checked = true;
            return inf.getRemaining() > 8 || in.read() >= 0;
        }
    }

    private static final class Counting extends FilterInputStream {
        private final AtomicLong counter;

        Counting(InputStream in, AtomicLong counter) {
            super(in);
            this.counter = counter;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counter.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counter.addAndGet(n);
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (in != System.in) {
                super.close();
            }
        }
    }
}
