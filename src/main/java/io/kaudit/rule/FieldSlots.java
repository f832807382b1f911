package io.kaudit.rule;

import io.kaudit.event.FieldCache;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each distinct field reference ({@code ka.uri.param[command]}) a slot in every event's
 * {@link FieldCache}, and wraps its getter so the value is computed once per event.
 */
final class FieldSlots {
    private static final ConcurrentHashMap<String, Integer> SLOTS = new ConcurrentHashMap<>();

    private FieldSlots() {
    }

    static Getter memoize(String fieldText, Getter g) {
        int slot = SLOTS.computeIfAbsent(fieldText, k -> SLOTS.size());
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
