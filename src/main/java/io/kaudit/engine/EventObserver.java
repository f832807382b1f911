package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import java.util.function.Consumer;

/**
 * Sees every event of a run in the time window, whether it alerted or not, for aggregates computed
 * while the run streams (the HTML report's timeline and actors). Called on a worker thread: one
 * instance per thread, never shared; it may read only the projected fields it asked for.
 */
public interface EventObserver {
    void event(AuditEvent event);

    /** {@code listener}'s new observer for this thread, shown only events in {@code s}'s window; or null. */
    static Consumer<AuditEvent> of(Listener listener, Selection s) {
        EventObserver o = listener.newObserver();
        if (o == null) {
            return null;
        }
        return e -> {
            if (s.inWindow(e.timeNanos())) {
                o.event(e);
            }
        };
    }
}
