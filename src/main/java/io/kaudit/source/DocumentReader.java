package io.kaudit.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an input that is not one value per line: pretty-printed documents, concatenated JSON, a
 * whole export as one array (gcloud logging read). Top-level arrays are taken element by element so
 * a huge export never sits in memory whole. Each value comes with the line it starts on.
 */
public final class DocumentReader {
    /** Receives one top-level value (or one element of a top-level array). */
    public interface Handler {
        void value(JsonValue value, long line);

        /** A document that could not be read, at {@code line}; the reader went on after it. */
        default void malformed(long line, String reason) {
        }
    }

    private DocumentReader() {
    }

    /**
     * @throws IOException with the line where the JSON broke; values before it were delivered
     */
    public static void read(InputStream in, Handler handler) throws IOException {
        try (JsonParser p = JsonReader.FACTORY.createParser(in)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_ARRAY) {
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (e == null) {
                            throw new IOException("unterminated array");
                        }
                        long line = p.currentTokenLocation().getLineNr();
                        handler.value(JsonReader.read(p, e, Projection.ALL), line);
                    }
                } else {
                    long line = p.currentTokenLocation().getLineNr();
                    handler.value(JsonReader.read(p, t, Projection.ALL), line);
                }
            }
        }
    }
}
