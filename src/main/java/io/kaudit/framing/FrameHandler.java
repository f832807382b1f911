package io.kaudit.framing;

/**
 * What framing hands on, line by line: every front door (follow's tailers, CRI joining, the
 * coming Kafka consumer) implements this one callback.
 */
public interface FrameHandler {
    /** A complete line; {@code limit} is just past its newline (or its end). */
    void line(String path, byte[] buf, int from, int limit, long lineNumber);

    /** A line that could not be taken whole (over the length limit). */
    void skipped(String path, long lineNumber, String reason);

    /** Something a person following the log should know (rotation, truncation, resume). */
    void notice(String message);
}
