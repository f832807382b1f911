package io.kaudit.event;

import java.io.IOException;

/** Invalid JSON; {@code offset} is the 0-based byte offset in the parsed range. */
public final class JsonSyntaxException extends IOException {
    private final int offset;

    public JsonSyntaxException(String message, int offset) {
        super(message + " at column " + (offset + 1));
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
