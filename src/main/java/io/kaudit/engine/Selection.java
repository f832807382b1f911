package io.kaudit.engine;

import io.kaudit.rule.Priority;
import java.util.Set;

/**
 * Which rules run and how: minimum priority, rules disabled by name, tags required (any of),
 * all-match or first-match, and the event time window (ns since the epoch, inclusive).
 */
public record Selection(Priority minPriority, Set<String> disabled, Set<String> tags, Matching matching,
                        long sinceNanos, long untilNanos) {

    public enum Matching {
        /** Every matching rule alerts (the forensic default). */
        ALL,
        /** Falco's default: the first matching rule in load order, one alert per event. */
        FIRST
    }

    public static Selection defaults() {
        return new Selection(Priority.DEBUG, Set.of(), Set.of(), Matching.ALL, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Whether --since or --until narrows the events at all. */
    public boolean hasWindow() {
        return sinceNanos != Long.MIN_VALUE || untilNanos != Long.MAX_VALUE;
    }

    public boolean inWindow(long nanos) {
        return nanos >= sinceNanos && nanos <= untilNanos;
    }
}
