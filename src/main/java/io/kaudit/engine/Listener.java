package io.kaudit.engine;

import io.kaudit.event.Location;

/** Receives a run's results in input order. */
public interface Listener {
    void alert(Alert alert);

    /** A line that was skipped (bad JSON, unknown shape, too long); the run goes on. */
    default void malformed(Location where, String reason) {
    }

    /**
     * A new observer of every event in the time window, for one thread, or null (the default: this
     * listener wants alerts only, and events cost nothing more).
     */
    default EventObserver newObserver() {
        return null;
    }
}
