package io.kaudit.engine;

import io.kaudit.event.AuditEvent;

/**
 * Sees every event of a run in the time window, whether it alerted or not, for aggregates computed
 * while the run streams (the HTML report's timeline and actors). Called on a worker thread: one
 * instance per thread, never shared; it may read only the projected fields it asked for.
 */
public interface EventObserver {
    void event(AuditEvent event);
}
