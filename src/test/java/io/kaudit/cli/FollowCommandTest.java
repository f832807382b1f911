package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.bench.LogGenerator;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaudit follow as a real process on real files: rotation, SIGTERM, restart, latency. */
class FollowCommandTest {
    private static final Pattern AUDIT_ID = Pattern.compile("\"auditID\":\"([^\"]+)\"");

    @TempDir
    Path dir;

    private Process start(Path log, Path checkpoint, Path out) throws IOException {
        return start(log.toString(), checkpoint, out);
    }

    private Process start(String paths, Path checkpoint, Path out) throws IOException {
        return start(paths, checkpoint, out, "jsonl");
    }

    private Process start(String paths, Path checkpoint, Path out, String format) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main", "follow", "-f", format,
                "--checkpoint", checkpoint.toString(), "-o", out.toString(), paths));
        Path console = dir.resolve("follow-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        waitFor(() -> contains(console, "following"), 30_000);
        return p;
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** What the follow processes printed, for failure messages. */
    private String consoles() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(f -> f.getFileName().toString().startsWith("follow-")).sorted().toList()) {
                sb.append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, long millis) {
        long end = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static void append(Path p, List<String> lines) throws IOException {
        Files.write(p, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();   // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "SIGTERM is a clean stop");
    }

    /** -o's help says what each command does with FILE: scan writes it whole, the live commands append. */
    @Test
    void theHelpSaysLiveCommandsAppendToTheOutputFile() {
        for (String command : List.of("scan", "follow", "serve", "consume")) {
            Kaudit.Outcome o = Kaudit.run(command, "--help");
            assertEquals(0, o.code(), o.err());
            String help = o.out().replaceAll("\\s+", " ");
            assertTrue(help.contains("scan: whole or not at all; follow, serve, consume: appended to, but -f html replaces it"),
                    command + ": " + o.out());
        }
    }

    @Test
    void everyAlertExactlyOnceAcrossRotationAndRestart() throws Exception {
        LogGenerator gen = new LogGenerator(7, LogGenerator.attacks(Path.of("samples")), 40);
        List<String> all = new ArrayList<>();
        List<List<String>> bursts = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            List<String> burst = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                burst.add(gen.next());
            }
            bursts.add(burst);
            all.addAll(burst);
        }
        Path log = dir.resolve("audit.log");
        Path checkpoint = dir.resolve("follow.json");
        Path out = dir.resolve("alerts.jsonl");
        Files.createFile(log);

        Process first = start(log, checkpoint, out);
        append(log, bursts.get(0));
        Thread.sleep(300);
        append(log, bursts.get(1));
        Files.move(log, dir.resolve("audit-2026-03-14T10-00-00.000.log"));   // lumberjack rotation
        append(log, bursts.get(2));
        Thread.sleep(1500);
        stop(first);

        append(log, bursts.get(3));                                          // written while stopped
        Files.move(log, dir.resolve("audit-2026-03-14T11-00-00.000.log"));   // and rotated away
        append(log, bursts.get(4));

        Process second = start(log, checkpoint, out);
        append(log, bursts.get(5));
        long size = Files.size(log);
        waitFor(() -> contains(checkpoint, "\"offset\" : " + size + ","), 30_000);   // everything so far processed

        String attack = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0)
                .replace("debug-tools", "final-attack-pod");
        long before = Files.readAllLines(out).size();
        long t0 = System.nanoTime();
        append(log, List.of(attack));
        try {
            waitFor(() -> contains(out, "final-attack-pod"), 2000);
        } catch (AssertionError e) {
            throw new AssertionError("no alert within 2 s; follow printed:\n" + consoles(), e);
        }
        long latencyMs = (System.nanoTime() - t0) / 1_000_000;
        stop(second);
        assertTrue(latencyMs < 2000, "alerted in " + latencyMs + " ms");
        all.add(attack);

        Path everything = dir.resolve("everything.log");
        Files.write(everything, all, StandardCharsets.UTF_8);
        Map<String, Integer> expected = ScanInputsTest.perRule(Kaudit.run("scan", "-q", "-f", "jsonl", everything.toString()));
        List<String> alerts = Files.readAllLines(out);
        Map<String, Integer> got = ScanInputsTest.perRule(new Kaudit.Outcome(0, String.join("\n", alerts), ""));
        assertEquals(expected, got, "every alert exactly once");
        assertTrue(alerts.size() > before);
        Set<String> seen = new HashSet<>();
        for (String a : alerts) {
            Matcher rule = Pattern.compile("\"rule\":\"([^\"]+)\"").matcher(a);
            assertTrue(rule.find());
            String key = rule.group(1) + "|" + a.substring(a.indexOf("\"output\""), a.indexOf("\"output_fields\""));
            assertTrue(seen.add(key), "duplicate alert " + key);
        }
        assertTrue(expected.values().stream().mapToInt(Integer::intValue).sum() > 20);
        assertTrue(new File(checkpoint.toString()).length() > 0);
    }

    /** Pretty-printed events appended to a followed file alert as scan's document mode reads the same file. */
    @Test
    void prettyPrintedEventsAreFollowedAsScanReadsThem() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> events = new ArrayList<>();
        for (String sample : List.of("privileged-pod.log", "exec-into-pod.log")) {
            for (String l : Files.readAllLines(Path.of("samples", sample))) {
                events.add(json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(l)));
            }
        }
        Path log = dir.resolve("pretty.json");
        Path out = dir.resolve("pretty.jsonl");
        Files.createFile(log);
        Process p = start(log, dir.resolve("pretty-checkpoint.json"), out);
        int half = events.size() / 2;
        append(log, events.subList(0, half));
        Thread.sleep(300);
        append(log, events.subList(half, events.size()));
        long size = Files.size(log);
        waitFor(() -> contains(dir.resolve("pretty-checkpoint.json"), "\"offset\" : " + size + ","), 30_000);
        stop(p);
        Kaudit.Outcome scan = Kaudit.run("scan", "-q", "-f", "jsonl", log.toString());
        assertEquals(0, scan.code(), scan.err());
        Map<String, Integer> expected = ScanInputsTest.perRule(scan);
        assertTrue(expected.containsKey("Privileged Container Started"), scan.out());
        assertEquals(expected, ScanInputsTest.perRule(new Kaudit.Outcome(0, Files.readString(out), "")));
        // each alert at its document's first line, as scan places it
        Pattern line = Pattern.compile("\"line\":(\\d+)");
        assertEquals(scan.out().lines().map(l -> { Matcher m = line.matcher(l); return m.find() ? m.group(1) : ""; }).sorted().toList(),
                Files.readAllLines(out).stream().map(l -> { Matcher m = line.matcher(l); return m.find() ? m.group(1) : ""; }).sorted().toList());
        assertFalse(consoles().contains("malformed"), consoles());
    }

    /** A glob that matches follow's own -o file leaves it out: its alerts are never read back as input. */
    @Test
    void aGlobNeverFollowsTheOutputFile() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("own"));
        Path out = logs.resolve("alerts.log");   // matched by the glob below
        Process p = start(logs + "/*.log", dir.resolve("own.json"), out);
        append(logs.resolve("apiserver.log"), Files.readAllLines(Path.of("samples", "privileged-pod.log")).subList(0, 1));
        waitFor(() -> contains(out, "Privileged Container Started"), 10_000);
        Thread.sleep(2500);   // a glob pass sees alerts.log
        stop(p);
        assertEquals(1, Files.readAllLines(out).size(), Files.readString(out));
        assertFalse(consoles().contains("malformed"), consoles());
    }

    /** follow says at its stop what the log let rules see, as scan does, and its HTML report counts levels once. */
    @Test
    void aStopSaysWhatAMetadataOnlyLogHidFromTheRules() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> events = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("samples", "privileged-pod.log"))) {
            var e = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(l);
            e.put("level", "Metadata");
            e.remove(List.of("requestObject", "responseObject"));
            events.add(json.writeValueAsString(e));
        }
        Path log = dir.resolve("metadata.log");
        Path out = dir.resolve("metadata.html");
        Path checkpoint = dir.resolve("metadata-checkpoint.json");
        Files.createFile(log);
        Process p = start(log.toString(), checkpoint, out, "html");
        append(log, events);
        long size = Files.size(log);
        waitFor(() -> contains(checkpoint, "\"offset\" : " + size + ","), 30_000);
        stop(p);
        String console = consoles();
        assertTrue(console.contains("kaudit: what this log lets rules see: only Metadata events: "), console);
        String page = Files.readString(out);
        assertTrue(page.contains("\"levels\":{\"Metadata\":" + events.size() + "}"), "each event counted once");
        assertTrue(page.contains("\"sentence\":\"only Metadata events: "), "the page says it too");
    }

    /** A correlation window open at a stop goes on after the restart: the checkpoint keeps it with the positions. */
    @Test
    void aCorrelationWindowSpansARestart() throws Exception {
        // dev-jane reads secrets in 5 namespaces within 2 minutes; neither half alone passes "more than 3"
        List<String> lines = Files.readAllLines(Path.of("samples", "corr-secrets-many-namespaces.log"));
        Path log = dir.resolve("audit.log");
        Path checkpoint = dir.resolve("corr.json");
        Path out = dir.resolve("corr.jsonl");
        Files.createFile(log);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main", "follow", "-f", "jsonl",
                "--correlation-slack", "0s", "--checkpoint", checkpoint.toString(), "-o", out.toString(), log.toString()));
        Path console = dir.resolve("follow-corr.txt");
        Process first = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        waitFor(() -> contains(console, "following"), 30_000);
        append(log, lines.subList(0, 3));
        long half = Files.size(log);
        waitFor(() -> contains(checkpoint, "\"offset\" : " + half + ","), 30_000);
        stop(first);
        assertTrue(contains(checkpoint, "\"correlations\""), Files.readString(checkpoint));
        assertFalse(contains(out, "Secrets Read Across Many Namespaces"), "not yet: two namespaces so far");

        Process second = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        waitFor(() -> contains(console, "following"), 30_000);
        append(log, lines.subList(3, lines.size()));
        try {
            waitFor(() -> contains(out, "Secrets Read Across Many Namespaces"), 10_000);
        } finally {
            stop(second);
        }
        String alert = Files.readAllLines(out).stream().filter(l -> l.contains("Secrets Read Across Many Namespaces"))
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertFalse(alert.contains("\n"), "one correlation alert: " + alert);
        // its window starts in the first run's lines and ends in the second's
        assertTrue(alert.contains("first " + log + ":1,"), alert);
        assertTrue(alert.contains("last " + log + ":5)"), alert);
    }

    @Test
    void criContainerLogsAreJoinedEvenWhenStoppedInsideAnEvent() throws Exception {
        List<String> events = new ArrayList<>(Files.readAllLines(Path.of("samples", "privileged-pod.log")));
        events.addAll(Files.readAllLines(Path.of("samples", "exec-into-pod.log")));
        // kube-apiserver auditing to stdout, as the kubelet writes it: 200-byte parts, klog between
        List<List<String>> records = new ArrayList<>();
        for (String e : events) {
            List<String> r = new ArrayList<>();
            for (int i = 0; i < e.length(); i += 200) {
                r.add("2026-03-14T09:00:00.000000001Z stdout " + (i + 200 >= e.length() ? "F " : "P ")
                        + e.substring(i, Math.min(e.length(), i + 200)));
            }
            r.add(1, "2026-03-14T09:00:00.000000002Z stderr F I0314 09:00:00 1 trace.go:236] slow request");
            records.add(r);
        }
        int cut = events.size() / 2;   // stopped while this event is half written
        Path log = dir.resolve("kube-apiserver-0.log");
        Path checkpoint = dir.resolve("cri.json");
        Path out = dir.resolve("cri-alerts.jsonl");
        Files.createFile(log);
        Process first = start(log, checkpoint, out);
        for (int i = 0; i < cut; i++) {
            append(log, records.get(i));
        }
        List<String> half = records.get(cut);
        append(log, half.subList(0, half.size() / 2 + 1));
        Thread.sleep(1500);
        stop(first);
        append(log, half.subList(half.size() / 2 + 1, half.size()));
        for (int i = cut + 1; i < events.size(); i++) {
            append(log, records.get(i));
        }
        Process second = start(log, checkpoint, out);
        long size = Files.size(log);
        waitFor(() -> contains(checkpoint, "\"offset\" : " + size + ","), 30_000);
        stop(second);

        Map<String, Integer> expected = ScanInputsTest.perRule(Kaudit.run("scan", "-q", "-f", "jsonl",
                Files.write(dir.resolve("events.log"), events).toString()));
        List<String> alerts = Files.readAllLines(out);
        Map<String, Integer> got = new java.util.TreeMap<>(ScanInputsTest.perRule(new Kaudit.Outcome(0, String.join("\n", alerts), "")));
        // once-per-request rules remember requests per process: an exec whose two stages straddle the
        // restart alerts once in each process (never less than once)
        for (String r : List.of("Exec or Attach Into Pod", "Interactive Shell Exec Into Pod", "Port Forward to Pod")) {
            assertTrue(got.getOrDefault(r, 0) >= expected.getOrDefault(r, 0), r + ": " + got);
            got.remove(r);
        }
        expected = new java.util.TreeMap<>(expected);
        expected.keySet().removeAll(List.of("Exec or Attach Into Pod", "Interactive Shell Exec Into Pod", "Port Forward to Pod"));
        assertEquals(expected, got, "every alert exactly once; follow printed:\n" + consoles());
        assertTrue(alerts.stream().noneMatch(a -> a.contains("malformed")));
        assertTrue(expected.values().stream().mapToInt(Integer::intValue).sum() >= events.size() / 2);
    }

    @Test
    void globsPickUpNewFilesButNotRotatedBackups() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path out = dir.resolve("glob-alerts.jsonl");
        Process p = start(logs + "/*.log", dir.resolve("glob.json"), out);
        List<String> privileged = Files.readAllLines(Path.of("samples", "privileged-pod.log"));
        append(logs.resolve("apiserver-a.log"), List.of(privileged.get(0)));
        append(logs.resolve("apiserver-b.log"), List.of(privileged.get(0).replace("debug-tools", "second-pod")));
        waitFor(() -> contains(out, "debug-tools") && contains(out, "second-pod"), 10_000);
        Files.move(logs.resolve("apiserver-a.log"), logs.resolve("apiserver-a-2026-03-14T10-00-00.000.log"));
        append(logs.resolve("apiserver-a.log"), List.of(privileged.get(0).replace("debug-tools", "third-pod")));
        waitFor(() -> contains(out, "third-pod"), 10_000);
        Thread.sleep(2500);   // a glob pass sees the backup: it must not be read again
        stop(p);
        String alerts = Files.readString(out);
        for (String pod : List.of("debug-tools", "second-pod", "third-pod")) {
            assertEquals(1, alerts.lines().filter(l -> l.contains("Privileged Container Started") && l.contains(pod)).count(),
                    pod + " exactly once in " + alerts);
        }
    }

    /** A brace glob is a glob for follow as for scan (it used to be taken as one literal file name). */
    @Test
    void braceGlobsAreFollowedAsScanExpandsThem() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("brace"));
        Files.createFile(logs.resolve("audit1.log"));
        Files.createFile(logs.resolve("audit2.log"));
        Path out = dir.resolve("brace-alerts.jsonl");
        Process p = start(logs + "/audit{1,2}.log", dir.resolve("brace.json"), out);
        List<String> privileged = Files.readAllLines(Path.of("samples", "privileged-pod.log"));
        append(logs.resolve("audit1.log"), List.of(privileged.get(0).replace("debug-tools", "first-pod")));
        append(logs.resolve("audit2.log"), List.of(privileged.get(0).replace("debug-tools", "second-pod")));
        waitFor(() -> contains(out, "first-pod") && contains(out, "second-pod"), 10_000);
        stop(p);
    }

    /** Formats written whole at the end (a JSON document, the summary) are completed on SIGTERM. */
    @Test
    void documentFormatsAreCompletedOnStop() throws Exception {
        List<String> privileged = Files.readAllLines(Path.of("samples", "privileged-pod.log"));
        for (String format : List.of("json", "summary")) {
            Path log = dir.resolve(format + ".log");
            Path out = dir.resolve(format + "-alerts.txt");
            Files.createFile(log);
            Process p = start(log.toString(), dir.resolve(format + ".json"), out, format);
            append(log, List.of(privileged.get(0)));
            Thread.sleep(1500);   // read and evaluated, not yet finished
            stop(p);
            String written = Files.readString(out);
            if (format.equals("json")) {
                com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(written);
                assertEquals("Privileged Container Started", doc.get("alerts").get(0).get("rule").asText(), written);
                assertEquals(1, doc.get("stats").get("events").asInt(), written);
            } else {
                assertTrue(written.startsWith("PRIORITY "), written);
                assertTrue(written.lines().anyMatch(l -> l.startsWith("Warning ") && l.contains(" Privileged Container Started ")
                        && l.contains(log + ":1 ")), written);
            }
        }
    }

    /** A last line without its newline is waited for, and on stop follow says so instead of going quiet. */
    @Test
    void aFolderIsRefusedNotFollowedAsNothing() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("logs"));
        Files.writeString(folder.resolve("audit.log"), "");
        Kaudit.Outcome o = Kaudit.run("follow", "-f", "jsonl", folder.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains(folder + " is a folder") && o.err().contains(folder.resolve("*.log").toString()),
                o.err());
    }

    @Test
    void aLineWithoutItsNewlineIsNamedOnStop() throws Exception {
        Path log = dir.resolve("unfinished.log");
        String event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0);
        Files.writeString(log, event + "\n" + event.substring(0, 100));
        Path out = dir.resolve("unfinished-alerts.jsonl");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.kaudit.cli.Main", "follow", "--from-start", "-f", "jsonl",
                "--checkpoint", dir.resolve("unfinished.json").toString(), "-o", out.toString(), log.toString());
        Path console = dir.resolve("follow-unfinished.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        waitFor(() -> contains(out, "Privileged Container Started"), 30_000);
        stop(p);
        String said = Files.readString(console);
        assertTrue(said.contains(log + ": 100 bytes after the last complete line not read (a line still being written"), said);
        assertTrue(said.contains("stopped; 1 event in "), said);
    }

    @Test
    void htmlReportIsWrittenWhenFollowStops() throws Exception {
        Path log = dir.resolve("audit.log");
        Path checkpoint = dir.resolve("follow.json");
        Path out = dir.resolve("report.html");
        Files.createFile(log);
        Files.writeString(out, "an old report\n");
        Process p = start(log.toString(), checkpoint, out, "html");
        List<String> lines = Files.readAllLines(Path.of("samples", "privileged-pod.log"));
        append(log, lines);
        long size = Files.size(log);
        waitFor(() -> contains(checkpoint, "\"offset\" : " + size + ","), 30_000);
        stop(p);
        String page = Files.readString(out);
        assertTrue(page.startsWith("<!DOCTYPE html>"), "the report replaces the file: " + page.substring(0, 40));
        assertTrue(page.contains("\"events\":" + lines.size() + ","), "every event counted");
        assertTrue(page.contains("\"kind\":\"user\",\"name\":\"kubernetes-admin\""), "actors from the events");
    }
}
