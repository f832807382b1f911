package io.kaudit.event;

import java.util.Arrays;

/**
 * A JSON object in input key order. Audit objects are small, so lookup is a linear scan
 * (faster than hashing at these sizes and allocation-free). With duplicate keys the first wins.
 */
public final class JsonObject implements JsonValue {
    private String[] keys;
    /** Object[] rather than JsonValue[]: a store then needs no interface type check (a JIT trap spot). */
    private Object[] values;
    private int size;

    public JsonObject() {
        this(4);
    }

    public JsonObject(int capacity) {
        keys = new String[Math.max(capacity, 1)];
        values = new Object[keys.length];
    }

    public void put(String key, JsonValue value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        keys[size] = key;
        values[size] = value;
        size++;
    }

    public JsonValue get(String key) {
        // Decoded keys are the projection's interned names and callers mostly pass literals:
        // look for the same instance first, then compare text.
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                return (JsonValue) values[i];
            }
        }
        return byText(key);
    }

    /** {@link #get} when no key is the same instance (a separate method: callers inline only the identity loop). */
    private JsonValue byText(String key) {
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(key)) {
                return (JsonValue) values[i];
            }
        }
        return null;
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    /** The string value under {@code key}, or null when absent or not a string. */
    public String string(String key) {
        return get(key) instanceof JsonString s ? s.value() : null;
    }

    /** The object under {@code key}, or null when absent or not an object. */
    public JsonObject object(String key) {
        return get(key) instanceof JsonObject o ? o : null;
    }

    public int size() {
        return size;
    }

    public String keyAt(int i) {
        return keys[i];
    }

    public JsonValue valueAt(int i) {
        return (JsonValue) values[i];
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JsonObject other) || other.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!keys[i].equals(other.keys[i]) || !valueAt(i).equals(other.valueAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * h + keys[i].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        return JsonWriter.compact(this);
    }
}
