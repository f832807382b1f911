package io.kaudit.framing;

/**
 * Where a JSON text stands, byte by byte, without parsing it: inside a string (just after a
 * backslash), and how deep in brackets. What cuts documents out of a stream (DocumentReader) and
 * out of a followed file's lines (LineJoin) before they are parsed.
 */
final class JsonNesting {
    private int depth;
    private boolean string;
    private boolean escape;

    /** Starts afresh, before a value's first byte. */
    void reset() {
        depth = 0;
        string = false;
        escape = false;
    }

    /** Inside a string (across a line end: broken JSON, which has no raw newline in a string). */
    boolean inString() {
        return string;
    }

    /** Brackets open. */
    int depth() {
        return depth;
    }

    /** Inside brackets or a string: a separator here does not end the value. */
    boolean open() {
        return string || depth > 0;
    }

    /** Takes the next byte; true when it closes the value (its outermost bracket, or a top-level string). */
    boolean take(byte c) {
        if (string) {
            if (escape) {
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (c == '"') {
                string = false;
                return depth == 0;
            }
        } else if (c == '"') {
            string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            return --depth <= 0;
        }
        return false;
    }
}
