package io.kaudit.run;

import io.kaudit.event.Location;

/** Thrown under {@code --strict} at the first malformed line. */
public final class MalformedInputException extends RuntimeException {
    public MalformedInputException(Location where, String reason) {
        super(where + ": " + reason);
    }
}
