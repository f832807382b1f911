package io.kaudit.rule;

import io.kaudit.event.FieldCache;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each distinct field reference ({@code ka.uri.param[command]}) a slot in every event's
 * {@link FieldCache}, and wraps its getter so the value is computed once per event.
 */
public final class FieldSlots {
    private static final ConcurrentHashMap<String, Integer> SLOTS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger NEXT = new java.util.concurrent.atomic.AtomicInteger();

    private FieldSlots() {
    }

    /** The cache slot of a field reference, so a caller can fill it in advance (the REPL's columns). */
    public static int slotOf(String fieldText) {
        return SLOTS.computeIfAbsent(fieldText, k -> NEXT.getAndIncrement());
    }

    static Getter memoize(String fieldText, Getter g) {
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
