package io.kaudit.report.html;

import java.util.HashMap;
import java.util.Map;

/**
 * One actor's activity (a user, a service account or a source IP): events, first and last seen,
 * verbs and resources touched (bounded), and events over time for its sparkline.
 */
final class ActorStats {
    /** Distinct verbs or resources kept per actor; the rest are summed under {@link #OTHER}. */
    static final int MAX_KEYS = 48;
    static final String OTHER = "(other)";
    /** An actor's sparkline has fewer buckets than the timeline; it is re-read onto the timeline's grid. */
    static final int SLOTS = 128;

    final String kind;
    final String name;
    long events;
    long alerts;
    long firstMillis = Long.MAX_VALUE;
    long lastMillis = Long.MIN_VALUE;
    final Map<String, long[]> verbs = new HashMap<>();
    final Map<String, long[]> resources = new HashMap<>();
    final TimeHistogram activity = new TimeHistogram(SLOTS);
    /** The last verb and resource counted and their counters: an actor mostly repeats itself (no hashing then). */
    private String lastVerb;
    private long[] lastVerbCount;
    private String lastResource;
    private long[] lastResourceCount;

    ActorStats(String kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    /**
     * Counts one event. Callers pass the same String for a repeated value (an interned one), so a
     * repeat is an identity check; another String of the same text takes the lookup, which finds
     * the same counter.
     */
    void event(long millis, String verb, String resource) {
        events++;
        firstMillis = Math.min(firstMillis, millis);
        lastMillis = Math.max(lastMillis, millis);
        if (verb != null) {
            if (verb != lastVerb) {
                lastVerb = verb;
                lastVerbCount = counter(verbs, verb);
            }
            lastVerbCount[0]++;
        }
        if (resource != null) {
            if (resource != lastResource) {
                lastResource = resource;
                lastResourceCount = counter(resources, resource);
            }
            lastResourceCount[0]++;
        }
        activity.add(millis);
    }

    void merge(ActorStats o) {
        events += o.events;
        alerts += o.alerts;
        firstMillis = Math.min(firstMillis, o.firstMillis);
        lastMillis = Math.max(lastMillis, o.lastMillis);
        o.verbs.forEach((k, v) -> count(verbs, k, v[0]));
        o.resources.forEach((k, v) -> count(resources, k, v[0]));
        activity.merge(o.activity);
    }

    private static void count(Map<String, long[]> m, String key, long n) {
        counter(m, key)[0] += n;
    }

    /** The counter of {@code key}, or of {@link #OTHER} once {@link #MAX_KEYS} are kept. */
    private static long[] counter(Map<String, long[]> m, String key) {
        long[] c = m.get(key);
        if (c == null) {
            if (m.size() >= MAX_KEYS) {
                key = OTHER;
                c = m.get(key);
            }
            if (c == null) {
                c = new long[1];
                m.put(key, c);
            }
        }
        return c;
    }
}
