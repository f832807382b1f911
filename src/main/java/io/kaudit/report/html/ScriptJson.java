package io.kaudit.report.html;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.io.IOException;
import java.io.Writer;

/**
 * JSON that is safe inside an HTML {@code <script>} element: {@code <}, {@code >} and {@code &}
 * (and the JavaScript line separators) are written as {@code \\uXXXX}, so no string in the data,
 * whatever an event holds, can close the element ({@code </script>}) or open a comment
 * ({@code <!--}). Also writes an event for the report: without {@code managedFields} (bulky, not
 * evidence) and with very long strings cut.
 */
final class ScriptJson {
    /** Longest string of an event kept in the report. */
    static final int MAX_STRING = 4096;

    private static final CharacterEscapes ESCAPES = new CharacterEscapes() {
        private final int[] table;

        {
            table = standardAsciiEscapesForJSON();
            table['<'] = ESCAPE_STANDARD;
            table['>'] = ESCAPE_STANDARD;
            table['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch == 0x2028) {
                return new SerializedString("\\u2028");
            }
            if (ch == 0x2029) {
                return new SerializedString("\\u2029");
            }
            return null;
        }
    };

    private ScriptJson() {
    }

    static JsonGenerator generator(Writer out) throws IOException {
        JsonGenerator g = JsonReader.FACTORY.createGenerator(out);
        g.setCharacterEscapes(ESCAPES);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        return g;
    }

    /** Writes {@code v}, leaving out {@code managedFields} and cutting strings over {@link #MAX_STRING}. */
    static void writeEvent(JsonGenerator g, JsonValue v) throws IOException {
        if (v instanceof JsonString s) {
            String text = s.value();
            g.writeString(text.length() <= MAX_STRING ? text
                    : text.substring(0, MAX_STRING) + "\u2026 (" + (text.length() - MAX_STRING) + " more characters in the log)");
        } else if (v instanceof JsonLiteral l) {
            g.writeRawValue(l.text());
        } else if (v instanceof JsonArray a) {
            g.writeStartArray();
            for (int i = 0; i < a.size(); i++) {
                writeEvent(g, a.get(i));
            }
            g.writeEndArray();
        } else {
            JsonObject o = (JsonObject) v;
            g.writeStartObject();
            for (int i = 0; i < o.size(); i++) {
                String key = o.keyAt(i);
                g.writeFieldName(key);
                if (key.equals("managedFields") && o.valueAt(i) instanceof JsonArray a) {
                    g.writeString("(" + a.size() + " entries left out of the report)");
                } else {
                    writeEvent(g, o.valueAt(i));
                }
            }
            g.writeEndObject();
        }
    }
}
