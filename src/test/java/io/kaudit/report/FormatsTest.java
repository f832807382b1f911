package io.kaudit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.kaudit.Kaudit;
import io.kaudit.Shared;
import io.kaudit.engine.Alert;
import io.kaudit.rule.Priority;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every output format over the samples, checked for shape and for agreeing with JSON Lines. */
class FormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> jsonl(String... paths) throws Exception {
        List<String> args = new ArrayList<>(List.of("scan", "-q", "-f", "jsonl"));
        args.addAll(List.of(paths));
        Kaudit.Outcome o = Kaudit.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        List<JsonNode> out = new ArrayList<>();
        for (String l : o.lines()) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void jsonlHasFalcoAlertKeysAndLocation() throws Exception {
        List<JsonNode> alerts = jsonl("samples/exec-into-pod.log");
        assertFalse(alerts.isEmpty());
        for (JsonNode a : alerts) {
            for (String key : List.of("time", "rule", "priority", "source", "tags", "output", "output_fields", "hostname")) {
                assertTrue(a.has(key), key + " in " + a);
            }
            assertEquals("k8s_audit", a.get("source").asText());
            assertTrue(a.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"));
            assertTrue(a.get("output_fields").get("evt.time").isIntegralNumber());
            assertTrue(a.get("output").asText().contains(": " + a.get("priority").asText() + " "));
            assertEquals("samples/exec-into-pod.log", a.get("location").get("path").asText());
            assertTrue(a.get("location").get("line").asInt() >= 1);
        }
        JsonNode shell = alerts.stream().filter(a -> a.get("rule").asText().equals("Interactive Shell Exec Into Pod"))
                .findFirst().orElseThrow();
        assertEquals("Warning", shell.get("priority").asText());
        assertEquals("/bin/sh", shell.get("output_fields").get("ka.uri.param[command]").asText());
        assertEquals(2, shell.get("location").get("line").asInt());
    }

    @Test
    void sarifIsValidAndMatchesJsonl() throws Exception {
        Path schemaFile = Shared.require("schemas/sarif-schema-2.1.0.json");
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "sarif", Kaudit.PER_EVENT_SAMPLES);
        assertEquals(0, o.code(), o.err());
        JsonNode sarif = JSON.readTree(o.out());
        JsonSchema schema;
        try (InputStream in = Files.newInputStream(schemaFile)) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(sarif);
        assertEquals(Set.of(), errors);

        JsonNode run = sarif.get("runs").get(0);
        Set<String> described = new HashSet<>();
        for (JsonNode rule : run.get("tool").get("driver").get("rules")) {
            described.add(rule.get("id").asText());
            double severity = Double.parseDouble(rule.get("properties").get("security-severity").asText());
            assertTrue(severity > 0 && severity <= 10, rule.toString());
            assertTrue(rule.get("help").get("text").asText().length() > 10);
        }
        List<JsonNode> alerts = jsonl(Kaudit.PER_EVENT_SAMPLES);
        JsonNode results = run.get("results");
        assertEquals(alerts.size(), results.size(), "one result per alert");
        Set<String> fingerprints = new HashSet<>();
        for (int i = 0; i < alerts.size(); i++) {
            JsonNode r = results.get(i);
            JsonNode a = alerts.get(i);
            // a Sigma rule or correlation is known by its id in SARIF
            assertEquals(a.has("sigma_id") ? a.get("sigma_id").asText() : a.get("rule").asText(), r.get("ruleId").asText());
            assertTrue(described.contains(r.get("ruleId").asText()));
            JsonNode loc = r.get("locations").get(0).get("physicalLocation");
            assertEquals(a.get("location").get("path").asText(), loc.get("artifactLocation").get("uri").asText());
            assertEquals(a.get("location").get("line").asInt(), loc.get("region").get("startLine").asInt());
            fingerprints.add(r.get("partialFingerprints").get("kauditAlert/v1").asText());
        }
        assertEquals(alerts.size(), fingerprints.size(), "fingerprints tell alerts apart");
        Kaudit.Outcome again = Kaudit.run("scan", "-q", "-f", "sarif", Kaudit.PER_EVENT_SAMPLES);
        assertEquals(o.out(), again.out(), "stable across runs");
    }

    @Test
    void jsonDocumentHoldsAlertsAndStats() throws Exception {
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "json", Kaudit.PER_EVENT_SAMPLES);
        JsonNode doc = JSON.readTree(o.out());
        List<JsonNode> alerts = jsonl(Kaudit.PER_EVENT_SAMPLES);
        assertEquals(alerts.size(), doc.get("alerts").size());
        assertEquals(alerts.size(), doc.get("stats").get("alerts").asInt());
        assertEquals(504, doc.get("stats").get("events").asInt());
        assertEquals(0, doc.get("stats").get("malformed").asInt());
        assertEquals(0, doc.get("stats").get("inputs_not_read_to_end").asInt());
        java.nio.file.Path zst = Files.createTempFile("kaudit", ".log.zst");
        Files.write(zst, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0});
        JsonNode stats = JSON.readTree(Kaudit.run("scan", "-q", "-f", "json", zst.toString()).out()).get("stats");
        Files.delete(zst);
        assertEquals(1, stats.get("inputs_not_read_to_end").asInt());
        assertTrue(stats.get("first_not_read_to_end").asText().startsWith(zst + ":1: zstd-compressed"), stats.toString());
    }

    @Test
    void csvFollowsRfc4180AndDefusesFormulas() throws Exception {
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "csv", Kaudit.PER_EVENT_SAMPLES);
        String[] rows = o.out().split("\r\n");
        assertEquals("time,priority,rule,message,path,line,index,tags,source,hostname,user,namespace,source_ip,audit_id",
                rows[0]);
        assertEquals(jsonl(Kaudit.PER_EVENT_SAMPLES).size() + 1, rows.length);
        assertEquals("\"a,b\"", CsvSink.cell("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", CsvSink.cell("say \"hi\""));
        assertEquals("'=HYPERLINK(1)", CsvSink.cell("=HYPERLINK(1)"));
    }

    @Test
    void tableIsPlainWhenNotATerminal() {
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "samples/privileged-pod.log");
        assertTrue(o.out().startsWith("TIME "));
        assertFalse(o.out().contains("\u001b["), "no colour off a terminal");
        assertTrue(o.out().contains("Privileged Container Started"));
        assertEquals("", Kaudit.run("scan", "-q", "samples/busy-cluster.log").out(), "no header without alerts");
    }

    @Test
    void tableColoursPriorityAndFitsAWidth() throws Exception {
        java.io.StringWriter w = new java.io.StringWriter();
        TableSink t = new TableSink(w, true, 80, 20);
        Alert a = new Alert(0, "Privileged Container Started", Priority.WARNING, "k8s_audit", List.of(), "o",
                "a long message ".repeat(10), Map.of(), "h", new io.kaudit.event.Location("audit.log", 7, -1), "", "d");
        t.begin(List.of());
        t.alert(a);
        String[] rows = w.toString().split("\n");
        assertEquals(2, rows.length);
        assertTrue(rows[1].contains("\u001b[33mWarning"), "warnings in yellow: " + rows[1]);
        for (String r : rows) {
            assertTrue(r.replaceAll("\u001b\\[[0-9;]*m", "").length() <= 80, "fits 80 columns: " + r);
        }
        assertTrue(rows[1].contains("audit.log:7"));
    }

    /** On a narrow terminal the output (who, what, where) keeps its room: the location and LAST give way first. */
    @Test
    void onATerminalTheOutputKeepsItsRoom() throws Exception {
        Alert a = new Alert(0, "Interactive Shell Exec Into Pod", Priority.WARNING, "k8s_audit", List.of(), "o",
                "Shell opened (user=mallory pod=api-0 command=/bin/sh)", Map.of(), "h",
                new io.kaudit.event.Location("/var/log/kubernetes/audit/kube-apiserver-audit-2026-03-14.log", 7, -1), "", "d");
        java.io.StringWriter w = new java.io.StringWriter();
        TableSink t = new TableSink(w, false, 140, a.location().path().length());
        t.begin(List.of());
        t.alert(a);
        String row = w.toString().split("\n")[1];
        assertTrue(row.length() <= 140 && row.contains("command=/bin/sh)"), row);
        assertTrue(row.contains("2026-03-14.log:7"), "the location's end is kept: " + row);

        java.io.StringWriter sw = new java.io.StringWriter();
        SummarySink summary = new SummarySink(sw, false, 140);
        summary.alert(a);
        summary.finish(new io.kaudit.engine.RunStats());
        String[] rows = sw.toString().split("\n");
        assertFalse(rows[0].contains("LAST"), "LAST gives way first on 140 columns: " + rows[0]);
        assertTrue(rows[1].contains("user=mallory pod=api-0"), rows[1]);
        // off a terminal nothing is cut or left out
        java.io.StringWriter whole = new java.io.StringWriter();
        SummarySink all = new SummarySink(whole, false, 0);
        all.alert(a);
        all.finish(new io.kaudit.engine.RunStats());
        assertTrue(whole.toString().contains("LAST") && whole.toString().contains(a.location().toString()), whole.toString());
    }

    /** The summary agrees with the alerts themselves: counts, times and earliest location per rule, in order. */
    @Test
    void summaryAgreesWithJsonl() throws Exception {
        List<JsonNode> alerts = jsonl(Kaudit.PER_EVENT_SAMPLES);
        Map<String, List<JsonNode>> byRule = new java.util.TreeMap<>();
        for (JsonNode a : alerts) {
            byRule.computeIfAbsent(a.get("rule").asText(), k -> new ArrayList<>()).add(a);
        }
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "summary", Kaudit.PER_EVENT_SAMPLES);
        assertEquals(0, o.code(), o.err());
        List<String> rows = o.lines();
        assertTrue(rows.get(0).matches("PRIORITY +ALERTS RULE +FIRST +LAST +FIRST AT +FIRST OUTPUT"), rows.get(0));
        assertEquals(byRule.size() + 1, rows.size(), "one row per rule that alerted");
        int lastRank = -1;
        long lastCount = Long.MAX_VALUE;
        for (String row : rows.subList(1, rows.size())) {
            String rule = byRule.keySet().stream().filter(r -> row.contains(" " + r + " "))
                    .max(java.util.Comparator.comparingInt(String::length)).orElseThrow(() -> new AssertionError(row));
            List<JsonNode> mine = byRule.get(rule);
            JsonNode earliest = mine.stream().min(java.util.Comparator.comparing((JsonNode a) -> a.get("time").asText())).orElseThrow();
            String last = mine.stream().map(a -> a.get("time").asText()).max(String::compareTo).orElseThrow();
            String priority = mine.get(0).get("priority").asText();
            assertTrue(row.startsWith(priority + " "), row);
            assertTrue(row.matches(".{13} +" + String.format("%,d", mine.size()) + " .*"), "count of " + rule + ": " + row);
            assertTrue(row.contains(earliest.get("time").asText().substring(0, 26) + "Z "), "first time: " + row);
            assertTrue(row.contains(last.substring(0, 26) + "Z "), "last time: " + row);
            JsonNode at = earliest.get("location");
            assertTrue(row.contains(at.get("path").asText() + ":" + at.get("line").asInt() + " "), "first at: " + row);
            int rank = Priority.parse(priority).ordinal();
            assertTrue(rank > lastRank || rank == lastRank && mine.size() <= lastCount, "highest priority, then most frequent first");
            lastCount = mine.size();
            lastRank = rank;
        }
        assertEquals("", Kaudit.run("scan", "-q", "-f", "summary", "samples/busy-cluster.log").out(), "nothing without alerts");
    }

    /** On a real terminal (script(1)) the table is coloured, unless NO_COLOR is set. */
    @Test
    void colourOnlyOnATerminalAndNotWithNoColor() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) missing");
        String java = Path.of(System.getProperty("java.home"), "bin", "java") + " -cp " + System.getProperty("java.class.path")
                + " io.kaudit.cli.Main scan -q samples/privileged-pod.log";
        assertTrue(pty(java).contains("\u001b[33mWarning"), "coloured on a terminal");
        assertFalse(pty("NO_COLOR=1 " + java).contains("\u001b[33m"), "NO_COLOR honoured");
    }

    private static String pty(String command) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null").redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }

    @Test
    void terminalTextIsSanitized() {
        assertEquals("a?[31mred?", Terminal.sanitize("a\u001b[31mred\n"));
    }
}
