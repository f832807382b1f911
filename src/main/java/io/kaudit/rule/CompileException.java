package io.kaudit.rule;

/** A condition or output that parses but cannot be compiled (unknown field, bad operator ...). */
public final class CompileException extends Exception {
    private final int position;

    public CompileException(String message, int position) {
        super(message);
        this.position = position;
    }

    public int position() {
        return position;
    }
}
