package io.kaudit.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint is read back as written, and a damaged one is refused with what is wrong in it. */
class CheckpointTest {
    @TempDir
    Path dir;

    @Test
    void whatIsSavedLoadsBack() throws IOException {
        Path file = dir.resolve("follow.json");
        Checkpoint c = Checkpoint.load(file);
        c.put("/var/log/audit.log", new Checkpoint.Entry(new FileIdentity(2049, 131_077, "{\"kind\":\"Event\"", 15), 4096, 3));
        c.put(Checkpoint.rotatedKey("/var/log/audit.log"), new Checkpoint.Entry(new FileIdentity(-1, -1, "", 0), 0, 0));
        c.save();
        Checkpoint back = Checkpoint.load(file);
        assertEquals(c.get("/var/log/audit.log"), back.get("/var/log/audit.log"));
        assertEquals(c.get("/var/log/audit.log (rotated)"), back.get("/var/log/audit.log (rotated)"));
    }

    @Test
    void aDamagedCheckpointIsRefusedSayingWhatIsWrong() throws IOException {
        String good = "{\"path\":\"a.log\",\"dev\":1,\"ino\":2,\"fingerprint\":\"x\",\"fingerprintLength\":1,\"offset\":10,\"line\":1}";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"garbage\n", "Illegal unquoted character");
        cases.put("", "empty document");
        cases.put("[]", "no \"files\" list");
        cases.put("{\"files\":[1]}", "files[0]: no \"path\"");
        cases.put("{\"files\":[" + good + ",{\"path\":\"b.log\"}]}", "files[1]: no \"fingerprint\"");
        cases.put("{\"files\":[" + good.replace("\"dev\":1", "\"dev\":\"x\"") + "]}",
                "files[0]: \"dev\" must be a whole number, not \"x\"");
        cases.put("{\"files\":[" + good.replace("\"offset\":10", "\"offset\":-5") + "]}",
                "files[0]: \"offset\" must be a whole number of at least 0, not -5");
        cases.put("{\"files\":[" + good.replace(",\"line\":1", "") + "]}",
                "files[0]: \"line\" must be a whole number of at least 0, it is missing");
        cases.put("{\"files\":[" + good.replace("\"offset\":10", "\"offset\":1.5") + "]}", "\"offset\" must be a whole number");
        cases.put("{\"files\":[],\"correlations\":5}", "\"correlations\" is not an object");
        Path file = dir.resolve("follow.json");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(file, c.getKey());
            IOException e = assertThrows(IOException.class, () -> Checkpoint.load(file), c.getKey());
            String m = e.getMessage();
            assertEquals(true, m.startsWith(file + ": not a kaudit checkpoint (") && m.contains(c.getValue())
                    && m.endsWith("); move it away to start without it") && !m.contains("\n") && !m.contains("Source"), m);
        }
    }
}
