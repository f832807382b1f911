package io.kaudit.report.html;

import io.kaudit.rule.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The alerts a report shows, at most {@code max}: past that, the latest alert of the lowest priority
 * held makes room, so a Critical late in a log is never crowded out by early Informational ones.
 * Each is kept as its page JSON (the event's tree is not held). Memory is bounded by {@code max}.
 */
final class AlertKeeper {
    record Kept(long seq, String json) {
    }

    private final int max;
    private final List<ArrayDeque<Kept>> byPriority = new ArrayList<>();
    private int size;
    private long leftOut;

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
    void add(Priority p, long seq, String json) {
        if (size == max) {
            for (int i = byPriority.size() - 1; i >= 0; i--) {
                if (!byPriority.get(i).isEmpty()) {
                    byPriority.get(i).removeLast();
                    size--;
                    leftOut++;
                    break;
                }
            }
        }
        byPriority.get(p.ordinal()).addLast(new Kept(seq, json));
        size++;
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
