package io.kaudit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Correlations over many events of one group, with the default rules, in a JVM with the launcher's
 * 144 MiB heap. A window was measured by walking it on every event (80,000 reads of one secret by
 * one service account within the hour took two minutes, growing with the square of the count), and a log where every short line alerts and
 * feeds correlations held its alerts and the events waiting within the slack until the heap ran out.
 */
class CorrelationScaleTest {
    private static final int EVENTS = 80_000;

    @TempDir
    Path dir;

    @Test
    void oneServiceAccountReadingASecretAllHourIsCountedInLinearTime() throws Exception {
        // 120,000 reads 30 ms apart: one hour, every one in the windows of the value_count correlations
        Path log = write("reads.log", 120_000, 30, 200);
        Map<String, Integer> alerts = scan(log);
        assertEquals(Map.of(), alerts, "one user agent, one namespace: no correlation holds");
    }

    @Test
    void everyLineAlertingAndFeedingCorrelationsFitsTheHeap() throws Exception {
        // 80,000 denied reads 1 ms apart: all within the slack, each alerting and feeding the 403 burst
        Path log = write("denied.log", EVENTS, 1, 403);
        Map<String, Integer> alerts = scan(log);
        assertEquals(EVENTS, alerts.get("Secret Read Denied"));
        assertEquals(EVENTS / 10, alerts.get("Burst Of Forbidden Requests By One Identity"), "one burst per 10 denials");
    }

    private Path write(String name, int events, long stepMillis, int code) throws IOException {
        Path log = dir.resolve(name);
        Instant t0 = Instant.parse("2026-03-14T00:00:00Z");
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (int i = 0; i < events; i++) {
                w.write("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"x" + i
                        + "\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/app/secrets/app-tls\","
                        + "\"verb\":\"get\",\"user\":{\"username\":\"system:serviceaccount:app:operator\"},"
                        + "\"sourceIPs\":[\"10.0.0.7\"],\"userAgent\":\"operator/v1.2 (linux/amd64)\",\"objectRef\":"
                        + "{\"resource\":\"secrets\",\"namespace\":\"app\",\"name\":\"app-tls\",\"apiVersion\":\"v1\"},"
                        + "\"responseStatus\":{\"code\":" + code + "},\"stageTimestamp\":\""
                        + t0.plusMillis(stepMillis * i) + "\"}\n");
            }
        }
        return log;
    }

    /** Alerts per rule of a scan with the default rules in a child JVM capped as the launcher caps it. */
    private Map<String, Integer> scan(Path log) throws Exception {
        Path out = dir.resolve(log.getFileName() + ".jsonl");
        Path err = dir.resolve(log.getFileName() + ".err");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx144m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main",
                "scan", "-q", "-f", "jsonl", "-o", out.toString(), log.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        // linear time takes a few seconds here; walking each window took minutes
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the scan did not finish in 90 s");
        String text = Files.readString(err, StandardCharsets.UTF_8);
        assertFalse(text.contains("out of memory") || text.contains("OutOfMemoryError"), text);
        assertEquals(0, p.exitValue(), text);
        Map<String, Integer> byRule = new TreeMap<>();
        Matcher m = Pattern.compile("\"rule\":\"([^\"]*)\"").matcher(Files.readString(out, StandardCharsets.UTF_8));
        while (m.find()) {
            byRule.merge(m.group(1), 1, Integer::sum);
        }
        return byRule;
    }
}
