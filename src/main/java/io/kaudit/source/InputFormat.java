package io.kaudit.source;

import io.kaudit.event.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** What an input holds, told from its first 64 KiB (whatever the file is called). */
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
        if (EnvelopeDecoder.isMultiLineDocument(head, from, head.length)) {
            return JSON_DOCUMENTS;
        }
        int[] yaml = firstLine(head, from, true);
        if (yaml != null && YamlDocuments.startsDocument(text(head, yaml))) {
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

    /** Reads {@code in}, an input of a document format, handing each document to {@code handler}. */
    public void readDocuments(InputStream in, DocumentReader.Handler handler) throws IOException {
        switch (this) {
            case JSON_DOCUMENTS -> DocumentReader.read(in, handler);
            case YAML_DOCUMENTS -> YamlDocuments.read(in, handler);
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
}
