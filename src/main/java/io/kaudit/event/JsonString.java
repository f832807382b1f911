package io.kaudit.event;

/** A JSON string. */
public record JsonString(String value) implements JsonValue {
    @Override
    public String asText() {
        return value;
    }
}
