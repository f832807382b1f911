package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.bench.LogGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scan streams: a log several times larger than the whole heap goes through a JVM capped at
 * 48 MiB, whatever holds chunks in flight, pooled buffers or results waiting for their turn.
 */
class ScanMemoryTest {

    @Test
    void aLogFourTimesTheHeapScansInBoundedMemory(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("big.log");
        LogGenerator.main(new String[] {log.toString(), "192", "7", "2000", "samples"});
        Path alerts = dir.resolve("alerts.jsonl");
        Path err = dir.resolve("err.txt");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx48m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main",
                "scan", "-f", "jsonl", "-o", alerts.toString(), log.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "scan did not finish");
        String summary = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), summary);
        assertTrue(Files.size(log) > 3 * (48L << 20), "the log must dwarf the heap");
        assertTrue(summary.matches("(?s).*kaudit: [0-9,]+ events in .*") && !summary.contains("malformed"), summary);
        List<String> raised = Files.readAllLines(alerts);
        assertTrue(raised.size() > 50, "the attacks mixed into the log should alert");
        assertAlertsDescribeTheirLines(raised, log);
    }

    /**
     * Each alert's fields are those of the line it names, read again independently: strings are
     * decoded lazily from buffers the scan recycles, so a late read would show another line's text.
     */
    private static void assertAlertsDescribeTheirLines(List<String> raised, Path log) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Map<Long, List<com.fasterxml.jackson.databind.JsonNode>> byLine = new java.util.HashMap<>();
        for (String a : raised) {
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(a);
            byLine.computeIfAbsent(n.get("location").get("line").asLong(), k -> new java.util.ArrayList<>()).add(n);
        }
        int checked = 0;
        try (java.io.BufferedReader in = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            long number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                List<com.fasterxml.jackson.databind.JsonNode> mine = byLine.get(++number);
                if (mine == null) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
                for (com.fasterxml.jackson.databind.JsonNode a : mine) {
                    com.fasterxml.jackson.databind.JsonNode f = a.get("output_fields");
                    String[][] fields = {{"ka.user.name", "/user/username"}, {"ka.verb", "/verb"},
                        {"ka.target.name", "/objectRef/name"}, {"ka.target.namespace", "/objectRef/namespace"},
                        {"ka.auditid", "/auditID"}};
                    for (String[] fp : fields) {
                        if (f.hasNonNull(fp[0])) {
                            assertEquals(event.at(fp[1]).asText(), f.get(fp[0]).asText(), fp[0] + " of line " + number + ": " + a);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > raised.size(), "most alerts print some of these fields: " + checked);
    }
}
