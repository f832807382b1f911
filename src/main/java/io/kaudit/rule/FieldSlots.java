package io.kaudit.rule;

import io.kaudit.event.FieldCache;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each distinct field reference ({@code ka.uri.param[command]}) a slot in every event's
 * {@link FieldCache}, and wraps its getter so the value is computed once per event. One table per
 * compiled {@link RuleSet}: every getter that may read the same event (rules, outputs, the rule
 * index, the REPL's queries) takes its slot from the set's table. Slots are fixed when a getter is
 * bound, never looked up per event. Slot 0 of a cache names the table that filled it: whoever
 * starts reading an event with a set's rules ({@link #claim}, the engine per event) makes an event
 * read by another set before (tests do) read right, once, not on every cached read.
 */
public final class FieldSlots {
    /** The cache slot naming the table whose values the cache holds (null: filled by its own table's user). */
    private static final int OWNER = 0;

    private final ConcurrentHashMap<String, Integer> slots = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger(OWNER + 1);

    /** The cache slot of a field reference, so a caller can fill it in advance (the REPL's columns). */
    public int slotOf(String fieldText) {
        return slots.computeIfAbsent(fieldText, k -> next.getAndIncrement());
    }

    /** How many slots were given out. */
    public int size() {
        return next.get() - OWNER - 1;
    }

    Getter memoize(String fieldText, Getter g) {
        int slot = slotOf(fieldText);
        return e -> {
            FieldCache cache = e.cache();
            Object v = cache.get(slot);
            if (v == null) {
                v = g.get(e);
                cache.put(slot, v == null ? FieldCache.ABSENT : v);
                return v;
            }
            return v == FieldCache.ABSENT ? null : v;
        };
    }

    /** Makes {@code cache} this table's: another table's values are dropped (a new event's cache has none). */
    public void claim(FieldCache cache) {
        Object owner = cache.get(OWNER);
        if (owner == this) {
            return;
        }
        if (owner instanceof FieldSlots other) {
            for (int i = OWNER + 1, n = other.next.get(); i < n; i++) {
                cache.put(i, null);
            }
        }
        cache.put(OWNER, this);
    }
}
