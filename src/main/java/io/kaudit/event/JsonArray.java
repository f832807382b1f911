package io.kaudit.event;

import java.util.List;

/** A JSON array. */
public record JsonArray(List<JsonValue> items) implements JsonValue {
    public int size() {
        return items.size();
    }

    public JsonValue get(int i) {
        return items.get(i);
    }
}
