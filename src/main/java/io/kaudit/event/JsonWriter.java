package io.kaudit.event;

/** Renders JSON text: compact (Falco's re-serialisation) or indented (Go's json.Indent, 2 spaces). */
public final class JsonWriter {
    private JsonWriter() {
    }

    public static String compact(JsonValue v) {
        StringBuilder sb = new StringBuilder(64);
        write(sb, v, -1, 0);
        return sb.toString();
    }

    public static String indented(JsonValue v) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, v, 2, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonValue v, int indent, int depth) {
        if (v instanceof JsonString s) {
            quote(sb, s.value());
        } else if (v instanceof JsonLiteral l) {
            sb.append(l.text());
        } else if (v instanceof JsonArray a) {
            sb.append('[');
            for (int i = 0; i < a.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                newline(sb, indent, depth + 1);
                write(sb, a.get(i), indent, depth + 1);
            }
            if (a.size() > 0) {
                newline(sb, indent, depth);
            }
            sb.append(']');
        } else {
            JsonObject o = (JsonObject) v;
            sb.append('{');
            for (int i = 0; i < o.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                newline(sb, indent, depth + 1);
                quote(sb, o.keyAt(i));
                sb.append(indent < 0 ? ":" : ": ");
                write(sb, o.valueAt(i), indent, depth + 1);
            }
            if (o.size() > 0) {
                newline(sb, indent, depth);
            }
            sb.append('}');
        }
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        if (indent >= 0) {
            sb.append('\n');
            sb.append(" ".repeat(indent * depth));
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }
}
