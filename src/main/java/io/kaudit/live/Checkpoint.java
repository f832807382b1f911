package io.kaudit.live;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonValue;
import io.kaudit.event.JsonWriter;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where {@code follow} got to in each followed path: the file's identity, the byte offset after the
 * last fully processed line, and that line's number; and the correlations' state at those positions.
 * Saved atomically (temporary file, then rename).
 */
public final class Checkpoint {
    /** One followed path's position. */
    public record Entry(FileIdentity identity, long offset, long line) {
    }

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** The correlations' state at the positions above (windows open, events within the slack), or null. */
    private JsonObject correlations;

    private Checkpoint(Path file) {
        this.file = file;
    }

    /** Loads {@code file}, or starts empty if it does not exist. */
    public static Checkpoint load(Path file) throws IOException {
        Checkpoint c = new Checkpoint(file);
        if (file == null || !Files.exists(file)) {
            return c;
        }
        JsonValue v;
        try {
            v = JsonReader.parse(Files.readString(file, StandardCharsets.UTF_8), Projection.ALL);
        } catch (IOException e) {
            throw new IOException(file + ": not a kaudit checkpoint: " + e.getMessage());
        }
        if (!(v instanceof JsonObject root) || !(root.get("files") instanceof JsonArray files)) {
            throw new IOException(file + ": not a kaudit checkpoint");
        }
        for (JsonValue f : files.items()) {
            JsonObject o = (JsonObject) f;
            FileIdentity id = new FileIdentity(num(o, "dev"), num(o, "ino"), o.string("fingerprint"),
                    (int) num(o, "fingerprintLength"));
            c.entries.put(o.string("path"), new Entry(id, num(o, "offset"), num(o, "line")));
        }
        c.correlations = root.object("correlations");
        return c;
    }

    private static long num(JsonObject o, String key) {
        return Long.parseLong(o.get(key).asText());
    }

    /** The key, beside a path's own, of the file rotated away from it and still in its rotate-wait. */
    public static String rotatedKey(String path) {
        return path + " (rotated)";
    }

    public void remove(String path) {
        entries.remove(path);
    }

    public Entry get(String path) {
        return entries.get(path);
    }

    public void put(String path, Entry e) {
        entries.put(path, e);
    }

    /** The correlations' state saved with the positions, or null. */
    public JsonObject correlations() {
        return correlations;
    }

    /** Sets the correlations' state that goes with the positions (null: none). */
    public void correlations(JsonObject state) {
        correlations = state;
    }

    /** Writes the checkpoint whole or not at all. */
    public void save() throws IOException {
        if (file == null) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
             JsonGenerator g = JsonReader.FACTORY.createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeArrayFieldStart("files");
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                FileIdentity id = e.getValue().identity();
                g.writeStartObject();
                g.writeStringField("path", e.getKey());
                g.writeNumberField("dev", id.device());
                g.writeNumberField("ino", id.inode());
                g.writeStringField("fingerprint", id.fingerprint());
                g.writeNumberField("fingerprintLength", id.fingerprintLength());
                g.writeNumberField("offset", e.getValue().offset());
                g.writeNumberField("line", e.getValue().line());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (correlations != null) {
                g.writeFieldName("correlations");
                g.writeRawValue(JsonWriter.compact(correlations));
            }
            g.writeEndObject();
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
