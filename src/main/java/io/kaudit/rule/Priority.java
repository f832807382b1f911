package io.kaudit.rule;

import java.util.Locale;

/** Falco's eight priorities, highest first, spelled as Falco prints them. */
public enum Priority {
    EMERGENCY("Emergency"),
    ALERT("Alert"),
    CRITICAL("Critical"),
    ERROR("Error"),
    WARNING("Warning"),
    NOTICE("Notice"),
    INFORMATIONAL("Informational"),
    DEBUG("Debug");

    private final String falcoName;

    Priority(String falcoName) {
        this.falcoName = falcoName;
    }

    /** As Falco prints it in text and JSON: {@code Warning}, {@code Informational}. */
    public String falcoName() {
        return falcoName;
    }

    /** True when this priority is at least as severe as {@code other}. */
    public boolean atLeast(Priority other) {
        return ordinal() <= other.ordinal();
    }

    /** Case-insensitive; accepts {@code info} for Informational. */
    public static Priority parse(String s) {
        String k = s.trim().toUpperCase(Locale.ROOT);
        if (k.equals("INFO")) {
            return INFORMATIONAL;
        }
        for (Priority p : values()) {
            if (p.name().equals(k)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown priority '" + s
                + "' (expected emergency, alert, critical, error, warning, notice, informational/info or debug)");
    }
}
