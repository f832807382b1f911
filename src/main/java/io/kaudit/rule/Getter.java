package io.kaudit.rule;

import io.kaudit.event.AuditEvent;

/**
 * Reads one field of an event. Returns null when the value is absent, a {@code String} for a
 * scalar field, or a non-empty {@code List<String>} for a list field (an empty list is absent).
 */
@FunctionalInterface
public interface Getter {
    Object get(AuditEvent event);
}
