package io.kaudit.event;

/** A number, {@code true}, {@code false} or {@code null}, kept as its JSON text. */
public record JsonLiteral(String text) implements JsonValue {
    public static final JsonLiteral TRUE = new JsonLiteral("true");
    public static final JsonLiteral FALSE = new JsonLiteral("false");
    public static final JsonLiteral NULL = new JsonLiteral("null");

    @Override
    public String asText() {
        return text;
    }
}
