package io.kaudit.policy;

/** An audit policy file that cannot be read: the message names the file and line. */
public final class PolicyException extends Exception {
    public PolicyException(String message) {
        super(message);
    }
}
