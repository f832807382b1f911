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
        assertTrue(Files.readAllLines(alerts).size() > 50, "the attacks mixed into the log should alert");
    }
}
