package io.kaudit.report.html;

import io.kaudit.rule.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The alerts a report shows, at most {@code max}: past that, the latest alert of the lowest priority
 * held makes room, so a Critical late in a log is never crowded out by early Informational ones.
 * Each is kept as its page JSON (the event's tree is not held), and each event once however many of
 * its alerts are kept (rules matching one event). Memory is bounded by {@code max}.
 */
final class AlertKeeper {
    record Kept(long seq, String json, long eid) {
    }

    private final int max;
    private final List<ArrayDeque<Kept>> byPriority = new ArrayList<>();
    private int size;
    private long leftOut;
    /** Events by number, with how many kept alerts refer to each. */
    private final java.util.TreeMap<Long, String> events = new java.util.TreeMap<>();
    private final java.util.Map<Long, int[]> references = new java.util.HashMap<>();

    AlertKeeper(int max) {
        this.max = max;
        for (int i = 0; i < Priority.values().length; i++) {
            byPriority.add(new ArrayDeque<>());
        }
    }

    /** Whether an alert of {@code p} would be kept (so its JSON is worth making). */
    boolean wants(Priority p) {
        if (size < max) {
            return true;
        }
        for (int i = byPriority.size() - 1; i > p.ordinal(); i--) {
            if (!byPriority.get(i).isEmpty()) {
                return true;
            }
        }
        leftOut++;
        return false;
    }

    /** Keeps an alert {@link #wants} accepted, making room if needed. */
    void add(Priority p, long seq, String json, long eid, java.util.function.Supplier<String> eventJson) {
        if (size == max) {
            for (int i = byPriority.size() - 1; i >= 0; i--) {
                if (!byPriority.get(i).isEmpty()) {
                    Kept gone = byPriority.get(i).removeLast();
                    int[] refs = references.get(gone.eid);
                    if (refs != null && --refs[0] == 0) {
                        references.remove(gone.eid);
                        events.remove(gone.eid);
                    }
                    size--;
                    leftOut++;
                    break;
                }
            }
        }
        byPriority.get(p.ordinal()).addLast(new Kept(seq, json, eid));
        size++;
        if (eid >= 0) {
            int[] refs = references.computeIfAbsent(eid, k -> new int[1]);
            if (refs[0]++ == 0) {
                events.put(eid, eventJson.get());
            }
        }
    }

    /** The kept alerts' events, by number. */
    java.util.Map<Long, String> events() {
        return events;
    }

    /** The kept alerts in the order they came. */
    List<Kept> inOrder() {
        List<Kept> all = new ArrayList<>(size);
        byPriority.forEach(all::addAll);
        all.sort(Comparator.comparingLong(Kept::seq));
        return all;
    }

    int size() {
        return size;
    }

    long leftOut() {
        return leftOut;
    }
}
