package io.kaudit.framing;

import io.kaudit.event.Bytes;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What an input holds, told from its first 64 KiB (whatever the file is called). One odd first
 * line never decides alone: a YAML-looking or bracket-alone first line followed by lines that are
 * each a whole JSON object is JSON Lines (the odd line is then one malformed line, by its number).
 */
public enum InputFormat {
    /** One JSON value per line (JSON Lines, with or without a timestamp before each value). */
    LINES,
    /** A CRI container log: lines of {@link CriLogLines} records. */
    CRI_LINES,
    /** Pretty-printed or concatenated JSON documents, read by {@link DocumentReader}. */
    JSON_DOCUMENTS,
    /** YAML documents, read by {@link YamlDocuments}. */
    YAML_DOCUMENTS;

    private static final int PEEK = 1 << 16;

    /** The format of {@code in}, which must support mark/reset; nothing is consumed. */
    public static InputFormat of(InputStream in) throws IOException {
        byte[] head = peek(in);
        int from = Bytes.bomLength(head, head.length);
        if (isMultiLineDocument(head, from, head.length)) {
            return JSON_DOCUMENTS;
        }
        int[] yaml = firstLine(head, from, true);
        if (yaml != null && YamlDocuments.startsDocument(text(head, yaml)) && !jsonLinesFollow(head, yaml[1], head.length)) {
            return YAML_DOCUMENTS;
        }
        int[] first = firstLine(head, from, false);
        return first != null && CriRecord.parse(head, first[0], first[1]) != null ? CRI_LINES : LINES;
    }

    /** Where the first line holding more than blanks (and, if asked, more than a # comment) is. */
    private static int[] firstLine(byte[] head, int from, boolean skipComments) {
        int start = from;
        while (start < head.length) {
            int nl = Bytes.indexOfNewline(head, start, head.length);
            int end = nl < 0 ? head.length : nl;
            String line = text(head, new int[] {start, end}).strip();
            if (!line.isEmpty() && !(skipComments && line.startsWith("#"))) {
                return new int[] {start, end};
            }
            start = end + 1;
        }
        return null;
    }

    private static String text(byte[] head, int[] line) {
        return new String(head, line[0], Math.min(line[1] - line[0], 4096), StandardCharsets.UTF_8);
    }

    /** The format of {@code input}, opened to look and closed again. */
    public static InputFormat of(Input input) throws IOException {
        try (InputStream in = input.open(new java.util.concurrent.atomic.AtomicLong())) {
            return of(in);
        }
    }

    /** True for formats read as whole documents rather than line by line. */
    public boolean documents() {
        return this == JSON_DOCUMENTS || this == YAML_DOCUMENTS;
    }

    /** Reads {@code in}, input {@code path} of a document format, handing each document to {@code handler}. */
    public void readDocuments(InputStream in, String path, FrameHandler handler) throws IOException {
        switch (this) {
            case JSON_DOCUMENTS -> DocumentReader.read(in, path, handler);
            case YAML_DOCUMENTS -> YamlDocuments.read(in, path, handler);
            default -> throw new IllegalStateException(this + " is read line by line");
        }
    }

    /**
     * The lines of {@code in}, an input of this format, as the decoder takes them: a CRI log with its
     * partial records joined (same line numbers), anything else as it is.
     */
    public InputStream lines(InputStream in, long maxLine) {
        return this == CRI_LINES ? new CriLogLines(in, maxLine) : in;
    }

    private static byte[] peek(InputStream in) throws IOException {
        in.mark(PEEK);
        byte[] head = new byte[PEEK];
        int n = 0;
        try {
            int r;
            while (n < PEEK && (r = in.read(head, n, PEEK - n)) > 0) {
                n += r;
            }
        } catch (Input.CutShortException cut) {
            // a gzip cut short: judge by what there is; the reader meets the cut again and keeps what came before
        }
        in.reset();
        return Arrays.copyOf(head, n);
    }

    /**
     * True when the first non-blank line of {@code head} (an input's start, after any BOM) opens a
     * pretty-printed document rather than holding one value.
     */
    public static boolean isMultiLineDocument(byte[] head, int from, int to) {
        int first = nextNonEmptyLine(head, from, to);
        if (first < 0) {
            return false;
        }
        int firstEnd = Bytes.indexOfNewline(head, first, to);
        if (firstEnd < 0 || !startsMultiLineDocument(head, first, firstEnd - first)) {
            return false;
        }
        if (bareBracket(head, first, firstEnd)) {
            // "[" or "{" alone opens a document, unless what follows is one whole JSON object a line
            return !jsonLinesFollow(head, firstEnd, to);
        }
        // Pretty-printed JSON continues indented, or with a bracket alone on its line; a JSON Lines
        // file whose first line was cut after a '{' continues with a whole value.
        int second = nextNonEmptyLine(head, firstEnd + 1, to);
        if (second < 0) {
            return false;
        }
        if (head[second] == ' ' || head[second] == '\t') {
            return true;
        }
        int secondEnd = Bytes.indexOfNewline(head, second, to);
        return bareBracket(head, second, secondEnd < 0 ? to : secondEnd);
    }

    /** Lines looked at after the first to tell JSON Lines from a document. */
    private static final int SNIFF_LINES = 8;

    /**
     * True when most of the (up to {@link #SNIFF_LINES}) complete non-blank lines after {@code from},
     * and at least two of them (or the only one), are each one whole JSON object: JSON Lines after an
     * odd first line. A line of YAML's {@code ---} says YAML documents after all.
     */
    static boolean jsonLinesFollow(byte[] head, int from, int to) {
        int whole = 0;
        int seen = 0;
        int start = from;
        while (start < to && seen < SNIFF_LINES) {
            int nl = Bytes.indexOfNewline(head, start, to);
            if (nl < 0) {
                break;   // cut at the end of the peek: not judged
            }
            int s = Bytes.skipBlanks(head, start, nl);
            int e = Bytes.trimBlanks(head, s, nl);
            if (e > s && head[e - 1] == '\r') {
                e = Bytes.trimBlanks(head, s, e - 1);
            }
            start = nl + 1;
            if (s == e || head[s] == '#') {
                continue;
            }
            if (e - s >= 3 && head[s] == '-' && head[s + 1] == '-' && head[s + 2] == '-') {
                return false;
            }
            seen++;
            if (head[s] == '{' && head[e - 1] == '}' && isWholeJson(head, s, e)) {
                whole++;
            }
        }
        return whole > 0 && whole * 2 > seen && (whole >= 2 || seen == 1);
    }

    private static boolean isWholeJson(byte[] b, int from, int to) {
        try {
            JsonReader.parse(b, from, to - from, Projection.ALL);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The line {@code [from, to)} is one bracket, give or take blanks. */
    private static boolean bareBracket(byte[] b, int from, int to) {
        int start = Bytes.skipBlanks(b, from, to);
        int end = Bytes.trimBlanks(b, start, to);
        return end - start == 1 && "{[]}".indexOf(b[start]) >= 0;
    }

    /** The start of the next line holding more than blanks, or -1. */
    private static int nextNonEmptyLine(byte[] b, int from, int to) {
        int start = from;
        while (start < to) {
            int nl = Bytes.indexOfNewline(b, start, to);
            int end = nl < 0 ? to : nl;
            if (Bytes.skipBlanks(b, start, end) < end) {
                return start;
            }
            if (nl < 0) {
                return -1;
            }
            start = nl + 1;
        }
        return -1;
    }

    /**
     * True when the bytes are the first line of a pretty-printed document (which must then be read
     * whole, {@link DocumentReader}): an incomplete JSON value whose line ends in '{' or '['. A JSON
     * Lines file whose first line was cut short does not qualify, so its later lines are not lost.
     */
    public static boolean startsMultiLineDocument(byte[] buf, int off, int len) {
        int start = Bytes.skipBlanks(buf, off, off + len);
        int end = Bytes.trimBlanks(buf, start, off + len);
        if (start == end || buf[start] != '{' && buf[start] != '[' || buf[end - 1] != '{' && buf[end - 1] != '[') {
            return false;
        }
        try {
            JsonReader.parse(buf, start, end - start, Projection.ALL);
            return false;
        } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
