package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaudit.bench.LogGenerator;
import io.kaudit.report.html.HtmlSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, point 10: an alert-heavy scan (bundled rules, every event an attack: about one alert per
 * event) runs in a JVM capped at 96 MiB in every output format, and the process stays under 256 MiB
 * RSS. Holding the alerts (each keeps its event) would need several times that heap, so a sink whose
 * memory grows with the number of alerts fails here with an OutOfMemoryError (checked: a JsonSink that
 * kept its alerts in a list ran out of memory on this log). 96 MiB, not less: the HTML report keeps up
 * to {@code --html-max-alerts} (20,000) alerts and their events, bounded but some 25 MiB of it.
 */
class AlertHeavyScanMemoryTest {
    private static final String HEAP = "-Xmx96m";
    private static final long RSS_LIMIT_KIB = 256L << 10;

    @Test
    void everyFormatScansAnAlertHeavyLogInBoundedMemory(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("attacks.log");
        LogGenerator.main(new String[] {log.toString(), "32", "7", "1", "samples"});   // every event from an attack sample
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, String> summaries = new LinkedHashMap<>();
        for (String format : List.of("table", "jsonl", "json", "csv", "sarif", "html")) {
            Path out = dir.resolve("alerts." + format);
            Path err = dir.resolve("err." + format);
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main",
                    "scan", "-f", format, "-o", out.toString(), log.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
            long peakKib = 0;
            Path status = Path.of("/proc", Long.toString(p.pid()), "status");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!p.waitFor(20, TimeUnit.MILLISECONDS)) {
                peakKib = Math.max(peakKib, rssKib(status));
                assertTrue(System.nanoTime() < deadline, format + ": scan did not finish");
            }
            String summary = Files.readString(err, StandardCharsets.UTF_8);
            assertFalse(summary.contains("out of memory") || summary.contains("OutOfMemoryError"), format + ": " + summary);
            assertEquals(0, p.exitValue(), format + ": " + summary);
            assertTrue(peakKib < RSS_LIMIT_KIB, format + ": peak RSS " + (peakKib >> 10) + " MiB");
            summaries.put(format, summary);
            counts.put(format, count(format, out));
        }
        long alerts = alertsInSummary(summaries.get("jsonl"));
        assertTrue(alerts > 20_000, "an alert-heavy log: " + alerts + " alerts");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            assertEquals(alerts, e.getValue(), e.getKey() + " writes every alert the summary counts");
            assertEquals(alerts, alertsInSummary(summaries.get(e.getKey())), e.getKey() + ": " + summaries.get(e.getKey()));
        }
    }

    /** The process's resident set (VmRSS) in KiB, or 0 once it is gone or without /proc. */
    private static long rssKib(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // exited between two polls
        }
        return 0;
    }

    private static long alertsInSummary(String summary) {
        Matcher m = Pattern.compile("events in [^,]*, ([0-9,]+) alerts").matcher(summary);
        assertTrue(m.find(), summary);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /** The alerts a report holds, read back in its own format (the HTML page: its complete count). */
    private static long count(String format, Path out) throws IOException {
        switch (format) {
            case "table":
                try (BufferedReader in = Files.newBufferedReader(out)) {
                    return in.lines().count() - 1;   // the header
                }
            case "jsonl":
                try (BufferedReader in = Files.newBufferedReader(out)) {
                    return in.lines().filter(l -> !l.isBlank()).count();
                }
            case "csv":
                try (Reader in = Files.newBufferedReader(out)) {
                    return csvRecords(in) - 1;
                }
            case "json":
                return arrayLength(out, "alerts");
            case "sarif":
                return arrayLength(out, "results");
            default:
                String page = Files.readString(out, StandardCharsets.UTF_8);
                String open = "id=\"kaudit-data\">";
                int from = page.indexOf(open) + open.length();
                JsonNode data = new ObjectMapper().readTree(page.substring(from, page.indexOf("</script>", from)));
                long shown = new ObjectMapper().readTree(unpacked(page, "kaudit-alerts")).size();
                long total = data.at("/stats/alerts").asLong();
                assertEquals(Math.min(total, HtmlSink.DEFAULT_MAX_ALERTS), shown, "the page keeps at most --html-max-alerts");
                return total;
        }
    }

    /** The JSON a gzipped data element of the page holds. */
    private static byte[] unpacked(String page, String id) throws IOException {
        String open = "<script type=\"application/gzip\" id=\"" + id + "\">";
        int from = page.indexOf(open);
        assertTrue(from >= 0, "no element " + id);
        from += open.length();
        byte[] gz = java.util.Base64.getDecoder().decode(page.substring(from, page.indexOf("</script>", from)).strip());
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    /** RFC 4180 records: CRLF outside quotes ends one. */
    private static long csvRecords(Reader in) throws IOException {
        long records = 0;
        boolean quoted = false;
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\n' && !quoted) {
                records++;
            }
        }
        return records;
    }

    /** The number of elements of the first array named {@code field}, streamed. */
    private static long arrayLength(Path file, String field) throws IOException {
        try (JsonParser p = new ObjectMapper().getFactory().createParser(file.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME && field.equals(p.currentName()) && p.nextToken() == JsonToken.START_ARRAY) {
                    long n = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        n++;
                    }
                    return n;
                }
            }
        }
        throw new AssertionError(file + ": no array " + field);
    }
}
