package io.kaudit.event;

import java.util.Arrays;

/**
 * Values already extracted from one event, by slot (see {@code rule.FieldSlots}): each field is read
 * once per event however many rules test it. Used by one thread at a time, like its event.
 */
public final class FieldCache {
    /** Marks a value known to be absent (null means "not computed yet"). */
    public static final Object ABSENT = new Object();

    private Object[] values = new Object[16];

    public Object get(int slot) {
        return slot < values.length ? values[slot] : null;
    }

    public void put(int slot, Object value) {
        if (slot >= values.length) {
            values = Arrays.copyOf(values, Math.max(slot + 1, values.length * 2));
        }
        values[slot] = value;
    }
}
