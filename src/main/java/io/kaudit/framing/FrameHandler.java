package io.kaudit.framing;

import io.kaudit.event.JsonValue;

/**
 * What framing hands on, whatever the input's shape: a line (JSON Lines, CRI records joined, a
 * followed file's documents joined), or a parsed document (pretty-printed JSON, YAML, an export's
 * array elements), and what it could not take. The one callback every front door implements:
 * follow's tailers, scan's and the REPL's document inputs, serve's bodies, consume's records.
 */
public interface FrameHandler {
    /** A complete line; {@code limit} is just past its newline (or its end). */
    default void line(String path, byte[] buf, int from, int limit, long lineNumber) {
        throw new UnsupportedOperationException(path + ": this reader takes documents, not lines");
    }

    /** One document, or one element of a top-level array, starting at line {@code line}. */
    default void value(String path, JsonValue value, long line) {
        throw new UnsupportedOperationException(path + ": this reader takes lines, not documents");
    }

    /** A line or document that could not be taken (over the length limit, broken); framing goes on after it. */
    void skipped(String path, long lineNumber, String reason);

    /** Hands {@code out} the lines of {@code bytes} one by one, numbered from {@code firstLine} (what a joiner held, as it was read). */
    static void lines(FrameHandler out, String path, byte[] bytes, long firstLine) {
        long number = firstLine;
        int start = 0;
        while (start < bytes.length) {
            int nl = io.kaudit.event.Bytes.indexOfNewline(bytes, start, bytes.length);
            int end = nl < 0 ? bytes.length : nl + 1;
            out.line(path, bytes, start, end, number++);
            start = end;
        }
    }

    /** Something a person following the log should know (rotation, truncation, resume). */
    default void notice(String message) {
    }
}
