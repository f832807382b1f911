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
            throw damaged(file, JsonReader.message(e));
        }
        if (!(v instanceof JsonObject root) || !(root.get("files") instanceof JsonArray files)) {
            throw damaged(file, "no \"files\" list");
        }
        for (int n = 0; n < files.items().size(); n++) {
            String at = "files[" + n + "]";
            if (!(files.items().get(n) instanceof JsonObject o) || o.string("path") == null) {
                throw damaged(file, at + ": no \"path\"");
            }
            String fingerprint = o.string("fingerprint");
            if (fingerprint == null) {
                throw damaged(file, at + ": no \"fingerprint\"");
            }
            FileIdentity id = new FileIdentity(whole(file, o, at, "dev", Long.MIN_VALUE), whole(file, o, at, "ino", Long.MIN_VALUE),
                    fingerprint, (int) whole(file, o, at, "fingerprintLength", 0, Integer.MAX_VALUE));
            c.entries.put(o.string("path"), new Entry(id, whole(file, o, at, "offset", 0), whole(file, o, at, "line", 0)));
        }
        JsonValue correlations = root.get("correlations");
        if (correlations != null && !(correlations instanceof JsonObject)) {
            throw damaged(file, "\"correlations\" is not an object");
        }
        c.correlations = (JsonObject) correlations;
        return c;
    }

    /** A checkpoint that cannot be trusted: follow refuses it rather than guess where it was. */
    private static IOException damaged(Path file, String why) {
        return new IOException(file + ": not a kaudit checkpoint (" + why + "); move it away to start without it");
    }

    private static long whole(Path file, JsonObject o, String at, String key, long min) throws IOException {
        return whole(file, o, at, key, min, Long.MAX_VALUE);
    }

    /** The whole number under {@code key}, within {@code [min, max]}. */
    private static long whole(Path file, JsonObject o, String at, String key, long min, long max) throws IOException {
        JsonValue v = o.get(key);
        try {
            long n = Long.parseLong(v instanceof io.kaudit.event.JsonLiteral ? v.asText() : "");
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw damaged(file, at + ": \"" + key + "\" must be a whole number" + (min == 0 ? " of at least 0" : "")
                + (v == null ? ", it is missing" : ", not " + shortly(JsonWriter.compact(v))));
    }

    private static String shortly(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
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
