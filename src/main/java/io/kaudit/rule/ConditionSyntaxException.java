package io.kaudit.rule;

/** A condition that does not parse; {@code position} is the 0-based offset in the condition. */
public final class ConditionSyntaxException extends Exception {
    private final int position;

    public ConditionSyntaxException(String message, int position) {
        super(message);
        this.position = position;
    }

    public int position() {
        return position;
    }

    /** 1-based column for people. */
    public int column() {
        return position + 1;
    }
}
