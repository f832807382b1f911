package io.kaudit.rule;

import io.kaudit.event.FieldCache;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each distinct field reference ({@code ka.uri.param[command]}) a slot in every event's
 * {@link FieldCache}, and wraps its getter so the value is computed once per event. One table per
 * compiled {@link RuleSet}: every getter that may read the same event (rules, outputs, the rule
 * index, the REPL's queries) takes its slot from the set's table. Slots are fixed when a getter is
 * bound, never looked up per event.
 */
public final class FieldSlots {
    private final ConcurrentHashMap<String, Integer> slots = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    /** The cache slot of a field reference, so a caller can fill it in advance (the REPL's columns). */
    public int slotOf(String fieldText) {
        return slots.computeIfAbsent(fieldText, k -> next.getAndIncrement());
    }

    /** How many slots were given out. */
    public int size() {
        return next.get();
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
}
