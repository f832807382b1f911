package io.kaudit.rule;

import io.kaudit.event.AuditEvent;

/** A compiled condition. Stateless and thread-safe. */
@FunctionalInterface
public interface Condition {
    boolean test(AuditEvent event);
}
