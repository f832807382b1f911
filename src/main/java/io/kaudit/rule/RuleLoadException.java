package io.kaudit.rule;

/** A rules file that cannot be loaded; the message names the file, line and item. */
public final class RuleLoadException extends Exception {
    public RuleLoadException(String message) {
        super(message);
    }
}
