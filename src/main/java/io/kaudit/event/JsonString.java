package io.kaudit.event;

/**
 * A JSON string. The hot-path decoder makes it lazily: it keeps where the content lies in the line's
 * bytes and decodes on the first {@link #value()}, since most strings a projection keeps are read by
 * no rule for a given event. So a lazy string must be read, or dropped, before its line's buffer
 * is reused: every front door evaluates an event, and renders its alerts, before taking the next
 * buffer's worth of input.
 */
public final class JsonString implements JsonValue {
    private String value;
    private byte[] source;
    private int from;
    private int to;
    private boolean escaped;

    public JsonString(String value) {
        this.value = java.util.Objects.requireNonNull(value);
    }

    /** The string whose content (between its quotes, escapes still in) is {@code source[from, to)}. */
    JsonString(byte[] source, int from, int to, boolean escaped) {
        this.source = source;
        this.from = from;
        this.to = to;
        this.escaped = escaped;
    }

    public String value() {
        String v = value;
        if (v == null) {
            v = ProjectedDecoder.text(source, from, to, escaped);
            value = v;
            source = null;
        }
        return v;
    }

    /**
     * The same text, decoded through {@code interner}: a string of bytes it has seen lately gives
     * back that String, not a new one. It becomes this string's value, for rules that read it later.
     */
    public String value(Interner interner) {
        String v = value;
        if (v == null) {
            v = interner.text(source, from, to, escaped);
            value = v;
            source = null;
        }
        return v;
    }

    @Override
    public String asText() {
        return value();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonString s && value().equals(s.value());
    }

    @Override
    public int hashCode() {
        return value().hashCode();
    }

    @Override
    public String toString() {
        return "JsonString[value=" + value() + "]";
    }
}
