package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Exports;
import io.kaudit.Kaudit;
import io.kaudit.event.JsonReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaudit scan over the ways an audit log is found on disk, on real files. */
class ScanInputsTest {
    private static final Pattern RULE = Pattern.compile("\"rule\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern LINE = Pattern.compile("\"path\":\"([^\"]*)\",\"line\":(\\d+)");
    private static List<String> events;

    @TempDir
    Path dir;

    /** Every event of the attack samples, one JSON object per element. */
    @BeforeAll
    static void loadEvents() throws IOException {
        events = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("samples"))) {
            for (Path p : s.sorted().toList()) {
                if (!p.getFileName().toString().startsWith("busy")) {
                    events.addAll(Files.readAllLines(p));
                }
            }
        }
        assertTrue(events.size() > 40);
    }

    static Map<String, Integer> perRule(Kaudit.Outcome o) {
        assertEquals(0, o.code(), o.err());
        Map<String, Integer> m = new TreeMap<>();
        for (String l : o.lines()) {
            Matcher r = RULE.matcher(l);
            if (r.find()) {
                m.merge(r.group(1), 1, Integer::sum);
            }
        }
        return m;
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    private Path gzip(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    @Test
    void sameAlertsFromPlainGzipRotatedEventListAndStdin() throws Exception {
        Path plain = write("plain/audit.log", events);
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", plain.toString()));
        assertTrue(expected.size() > 20, expected.toString());

        Path gz = gzip("gz/audit.json", events);   // gzip told by content, not by name
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", gz.toString())));

        int third = events.size() / 3;
        gzip("rotated/audit-2026-03-14T08-00-00.000.log.gz", events.subList(0, third));
        write("rotated/audit-2026-03-14T09-30-00.000.log", events.subList(third, 2 * third));
        write("rotated/audit.log", events.subList(2 * third, events.size()));
        Kaudit.Outcome rotated = Kaudit.run("scan", "-q", "-f", "jsonl", dir.resolve("rotated").toString());
        assertEquals(expected, perRule(rotated));
        List<String> files = new ArrayList<>();
        for (String l : rotated.lines()) {
            Matcher m = LINE.matcher(l);
            assertTrue(m.find(), l);
            String f = Path.of(m.group(1)).getFileName().toString();
            if (files.isEmpty() || !files.get(files.size() - 1).equals(f)) {
                files.add(f);
            }
        }
        assertEquals(List.of("audit-2026-03-14T08-00-00.000.log.gz", "audit-2026-03-14T09-30-00.000.log", "audit.log"),
                files, "backups oldest first, active file last");

        List<String> lists = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 3) {
            lists.add("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":["
                    + String.join(",", events.subList(i, Math.min(events.size(), i + 3))) + "]}");
        }
        Path eventLists = write("lists/batches.log", lists);
        Kaudit.Outcome fromLists = Kaudit.run("scan", "-q", "-f", "jsonl", eventLists.toString());
        assertEquals(expected, perRule(fromLists));
        assertTrue(fromLists.out().contains("\"index\":2"), "items carry their index in the EventList");

        // UTF-16 with its byte order mark (Windows PowerShell 5's '>' and Out-File), plain and gzipped
        String text = String.join("\n", events) + "\n";
        String plainAlerts = Kaudit.run("scan", "-q", "-f", "jsonl", plain.toString()).out();
        for (java.nio.charset.Charset cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            Path utf16 = dir.resolve("utf16/" + cs.name() + ".log");
            Files.createDirectories(utf16.getParent());
            Files.writeString(utf16, "\uFEFF" + text, cs);
            assertEquals(plainAlerts.replace(plain.toString(), utf16.toString()),
                    Kaudit.run("scan", "-q", "-f", "jsonl", utf16.toString()).out(), cs + ": same alerts at the same lines");
        }
        Path utf16gz = dir.resolve("utf16/le.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(utf16gz))) {
            out.write(("\uFEFF" + text).getBytes(StandardCharsets.UTF_16LE));
        }
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", utf16gz.toString())));

        byte[] stdin = Files.readAllBytes(plain);
        assertEquals(expected, perRule(Kaudit.process(stdin, "scan", "-q", "-f", "jsonl", "-")));
        assertEquals(expected, perRule(Kaudit.process(stdin, "scan", "-q", "-f", "jsonl")));
    }

    @Test
    void malformedLinesAreSkippedCountedAndLoseNothing() throws Exception {
        Map<String, Integer> clean = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("clean.log", events).toString()));
        // a valid 6 MiB event that is itself an attack: a privileged pod with a huge annotation
        String big = events.stream().filter(e -> e.contains("\"privileged\":true")).findFirst().orElseThrow()
                .replace("\"labels\":{", "\"annotations\":{\"blob\":\"" + "x".repeat(6 << 20) + "\"},\"labels\":{");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        List<byte[]> bad = List.of("{\"kind\":\"Event\",\"auditID\":\"cut".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0x01, (byte) 0x80, 0x7f},
                new byte[] {0, 0, 0, 0},
                "}}{{".getBytes(StandardCharsets.UTF_8),
                "{\"kind\": 0}".getBytes(StandardCharsets.UTF_8),
                "not json at all".getBytes(StandardCharsets.UTF_8));
        int b = 0;
        for (int i = 0; i < events.size(); i++) {
            out.write(events.get(i).getBytes(StandardCharsets.UTF_8));
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            if (i % 7 == 3 && b < bad.size()) {
                out.write(bad.get(b++));
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            if (i == 10) {
                out.write("\r\n   \r\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        assertEquals(6, b);
        out.write(big.getBytes(StandardCharsets.UTF_8));   // last line, no newline
        Path dirty = dir.resolve("dirty.log");
        Files.write(dirty, out.toByteArray());

        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", dirty.toString());
        Map<String, Integer> got = perRule(o);
        Map<String, Integer> want = new TreeMap<>(clean);
        want.merge("Privileged Container Started", 1, Integer::sum);
        assertEquals(want, got);
        assertTrue(o.err().contains("6 malformed lines skipped"), o.err());
        assertTrue(o.err().contains("dirty.log:"), o.err());

        Kaudit.Outcome strict = Kaudit.run("scan", "-q", "--strict", "-f", "jsonl", dirty.toString());
        assertEquals(2, strict.code());
        assertTrue(strict.err().contains("dirty.log:"), strict.err());
    }

    @Test
    void firstMalformedLineIsNamedByItsLineNumber() throws IOException {
        List<String> lines = new ArrayList<>(events.subList(0, 5));
        lines.add("{oops");
        lines.addAll(events.subList(5, 8));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", write("one-bad.log", lines).toString());
        assertEquals(0, o.code());
        assertTrue(o.err().contains("1 malformed line skipped (first at " + dir.resolve("one-bad.log") + ":6:"), o.err());
    }

    @Test
    void linesOverMaxLineAreSkippedAndCounted() throws IOException {
        List<String> lines = new ArrayList<>(events.subList(0, 3));
        lines.add("{\"kind\":\"Event\",\"pad\":\"" + "y".repeat(4000) + "\"}");
        lines.addAll(events.subList(3, 6));
        Path p = write("long.log", lines);
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", "--max-line", "1KiB", p.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("1 malformed line skipped (first at " + p + ":4: line longer than --max-line"), o.err());
        assertEquals(perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("short.log", events.subList(0, 6)).toString())),
                perRule(o));
    }

    /**
     * A line over --max-line (when that is less than a chunk) is skipped before it is evaluated: it
     * used to be decoded and matched first and its alerts dropped afterwards, so the stats still
     * counted its level and stage ("what this log lets rules see" spoke of events never read) and
     * its time. The same request's kept stage still alerts once.
     */
    @Test
    void aLineOverMaxLineIsNotSeenByAnything() throws IOException {
        Path sample = Path.of("samples/exec-into-pod.log");
        List<String> lines = Files.readAllLines(sample);
        String started = lines.get(1);   // the exec's ResponseStarted; line 3 is its ResponseComplete
        assertTrue(started.contains("\"stage\":\"ResponseStarted\"") && started.contains("/exec?"), started);
        String padded = started.replace("\"level\":\"Metadata\"",
                "\"level\":\"RequestResponse\",\"pad\":\"" + "y".repeat(2000) + "\"");
        Path p = write("padded.log", List.of(padded, lines.get(2)));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", "--max-line", "1500", p.toString());
        assertTrue(o.err().contains("1 malformed line skipped (first at " + p + ":1: line longer than --max-line"), o.err());
        assertEquals(Map.of("Interactive Shell Exec Into Pod", 1, "Exec or Attach Into Pod", 1), perRule(o),
                "the request's other stage alerts: " + o.out());
        Kaudit.Outcome json = Kaudit.run("scan", "-f", "json", "--max-line", "1500", p.toString());
        assertEquals(0, json.code(), json.err());
        String stats = json.out().replaceAll("\\s", "");
        assertTrue(stats.contains("\"levels\":{\"Metadata\":1}") && stats.contains("\"stages\":{\"ResponseComplete\":1}"),
                "only the kept line's level and stage are counted: " + json.out());
    }

    @Test
    void linesLongerThanAChunkAreReadWhole() throws IOException {
        // each line outgrows the 256 KiB read buffer twice over; the events must come out as if short
        List<String> plain = events.subList(0, 6);
        List<String> padded = plain.stream().map(l -> "{\"zzpad\":\"" + "y".repeat(600_000) + "\"," + l.substring(1)).toList();
        Kaudit.Outcome want = Kaudit.run("scan", "-f", "jsonl", write("plain.log", plain).toString());
        Kaudit.Outcome got = Kaudit.run("scan", "-f", "jsonl", write("padded.log", padded).toString());
        assertFalse(perRule(want).isEmpty(), "the events should fire rules");
        assertEquals(perRule(want), perRule(got));
        assertTrue(got.err().contains("6 events") && !got.err().contains("malformed"), got.err());
    }

    @Test
    void exitCodesForCi() throws IOException {
        assertEquals(1, Kaudit.run("scan", "-q", "--fail-on", "warning", "samples/privileged-pod.log").code());
        assertEquals(0, Kaudit.run("scan", "-q", "--fail-on", "critical", "samples/privileged-pod.log").code());
        assertEquals(0, Kaudit.run("scan", "-q", "--fail-on", "warning", "samples/busy-cluster.log").code());

        Kaudit.Outcome missing = Kaudit.run("scan", "-q", dir.resolve("nope.log").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.log: no such file or directory"), missing.err());

        Path rules = dir.resolve("bad_rules.yaml");
        Files.writeString(rules, "- rule: Broken Rule\n  desc: d\n  condition: ka.verb = = create\n  output: o\n"
                + "  priority: WARNING\n  source: k8s_audit\n");
        Kaudit.Outcome invalid = Kaudit.run("scan", "-q", "-r", rules.toString(), "samples/busy-cluster.log");
        assertEquals(2, invalid.code());
        assertTrue(invalid.err().contains(rules + ":3: rule 'Broken Rule': condition syntax error at column 11"),
                invalid.err());

        assertEquals(2, Kaudit.run("scan", "--format", "xml", "samples").code(), "usage error");
        assertEquals(2, Kaudit.run("scan", "--fail-on", "severe", "samples").code(), "usage error");
    }

    @Test
    void outputFileIsWrittenWholeOrNotAtAll() throws IOException {
        Path out = dir.resolve("alerts.jsonl");
        Kaudit.Outcome ok = Kaudit.run("scan", "-q", "-f", "jsonl", "-o", out.toString(), "samples/privileged-pod.log");
        assertEquals(0, ok.code());
        assertEquals("", ok.out());
        assertTrue(Files.readString(out).contains("Privileged Container Started"));

        Path failed = dir.resolve("never.jsonl");
        Kaudit.Outcome bad = Kaudit.run("scan", "-q", "-f", "jsonl", "-o", failed.toString(), "samples/privileged-pod.log",
                dir.resolve("missing.log").toString());
        assertEquals(2, bad.code());
        assertFalse(Files.exists(failed));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary file removed");
        }
    }

    @Test
    void outputIsDeterministicAndInInputOrder() throws IOException {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            many.addAll(events);
        }
        Path p = write("many.log", many);
        Kaudit.Outcome a = Kaudit.run("scan", "-q", "-f", "jsonl", p.toString());
        Kaudit.Outcome b = Kaudit.run("scan", "-q", "-f", "jsonl", "--threads", "1", p.toString());
        assertEquals(a.out(), b.out());
        long last = 0;
        for (String l : a.lines()) {
            if (l.contains("\"correlation\":{")) {
                continue;   // a correlation alert leaves when its condition holds past the slack, not in input order
            }
            Matcher m = LINE.matcher(l);
            assertTrue(m.find());
            long line = Long.parseLong(m.group(2));
            assertTrue(line >= last, "alerts in input order");
            last = line;
        }
        assertTrue(a.lines().size() > 400 * 30);
    }

    @Test
    void prettyPrintedDocumentsAndArraysAreReadWhole() throws IOException {
        List<String> privileged = Files.readAllLines(Path.of("samples", "privileged-pod.log"));
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", "samples/privileged-pod.log"));
        // an array with one event per line, as some exporters write it
        List<String> arrayLines = new ArrayList<>(List.of("["));
        for (int i = 0; i < privileged.size(); i++) {
            arrayLines.add(privileged.get(i) + (i < privileged.size() - 1 ? "," : ""));
        }
        arrayLines.add("]");
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("array.json", arrayLines).toString())));
        // indented, with a BOM, as AKS and gcloud exports look
        String indented = "\uFEFF{\n  \"records\": [\n" + String.join(",\n", privileged.stream()
                .map(e -> "    {\"category\": \"kube-audit\", \"properties\": {\"log\": " + e + "}}").toList()) + "\n  ]\n}\n";
        Path pretty = dir.resolve("pretty.json");
        Files.writeString(pretty, indented);
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", pretty.toString())));
        // the stats count such an input's lines and bytes as for JSON Lines (they had been 0: "0.0 MiB/s")
        String stats = Kaudit.run("scan", "-q", "-f", "json", pretty.toString()).out().replaceAll("\\s", "");
        long bytes = Files.size(pretty);
        assertTrue(stats.contains("\"lines\":" + indented.lines().count() + ",") && stats.contains("\"bytes\":" + bytes + ","),
                stats.substring(stats.indexOf("\"stats\"")));
        // a pretty-printed export with a broken element in the middle: only that element is lost
        List<String> broken = new ArrayList<>(List.of("["));
        for (int i = 0; i < privileged.size(); i++) {
            broken.add("  " + privileged.get(i) + ",");
            if (i == privileged.size() / 2) {
                broken.add("  {\"kind\": \"Event\", \"verb\": \"get\",, \"user\": {}},");
            }
        }
        broken.add("  {\"kind\": \"Event\"}\n]");
        Kaudit.Outcome partly = Kaudit.run("scan", "-f", "jsonl", write("broken-array.json", broken).toString());
        assertEquals(expected, perRule(partly));
        int brokenLine = privileged.size() / 2 + 3;
        assertTrue(partly.err().contains("broken-array.json:" + brokenLine + ": invalid JSON"), partly.err());
        assertTrue(partly.err().contains(privileged.size() + " events"), partly.err());
        // JSON Lines whose first line was cut after a '{': only that line is lost
        List<String> cut = new ArrayList<>(List.of("{\"kind\":\"Event\",\"requestObject\":{"));
        cut.addAll(privileged);
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", write("cut.log", cut).toString());
        assertEquals(expected, perRule(o));
        assertTrue(o.err().contains("1 malformed line skipped"), o.err());
    }

    @Test
    void yamlExportsAreReadDocumentByDocument() throws IOException {
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("all.log", events).toString()));
        // the same events as YAML documents, the way gcloud logging read and kubectl write them
        Path export = dir.resolve("export.yaml");
        Files.writeString(export, "# kaudit test export\n" + Exports.yaml(events));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", export.toString());
        assertEquals(expected, perRule(o));
        assertTrue(o.err().contains(events.size() + " events"), o.err());
        // a broken document in the middle: named by its line, and the documents around it still count
        String text = Files.readString(export);
        int cut = text.indexOf("---", text.length() / 2);
        Files.writeString(export, text.substring(0, cut) + "---\nkind: [Event\n" + text.substring(cut));
        Kaudit.Outcome broken = Kaudit.run("scan", "-f", "jsonl", export.toString());
        assertEquals(expected, perRule(broken));
        long before = text.substring(0, cut).lines().count();
        assertTrue(broken.err().contains("export.yaml:" + (before + 2) + ": invalid YAML"), broken.err());
        assertTrue(broken.err().contains(events.size() + " events") && broken.err().contains("1 malformed"), broken.err());
    }

    /** {@code text} in UTF-8 with each '~' made a raw 0xFF byte, which no UTF-8 text holds. */
    private Path writeWithBadByte(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, io.kaudit.Hostile.withBadByte(text));
        return p;
    }

    @Test
    void invalidUtf8AlertsAlikeInLinesDocumentsAndYaml() throws IOException {
        // README: invalid UTF-8 in a string becomes U+FFFD and the event still alerts, whatever the framing
        String event = Files.readAllLines(Path.of("samples", "anonymous-access.log")).get(1)
                .replace("\"python-requests/2.32.3\"", "\"python-requests/~\"");
        assertTrue(event.contains("python-requests/~"));
        Path rules = dir.resolve("agent.yaml");
        Files.writeString(rules, io.kaudit.Hostile.AGENT_RULE);
        Map<String, Path> inputs = new java.util.LinkedHashMap<>();
        inputs.put("a JSON line", writeWithBadByte("line.log", event + "\n"));
        inputs.put("a pretty-printed event", writeWithBadByte("pretty.json", Exports.prettyJson(event)));
        inputs.put("a pretty-printed EventList", writeWithBadByte("list.json",
                Exports.prettyJson("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" + event + "]}")));
        inputs.put("a pretty-printed array", writeWithBadByte("array.json", Exports.prettyJson("[" + event + "]")));
        inputs.put("a YAML document", writeWithBadByte("doc.yaml", Exports.yaml(List.of(event))));
        String expected = null;
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            Kaudit.Outcome o = Kaudit.run("scan", "-r", rules.toString(), "-f", "jsonl", in.getValue().toString());
            assertEquals(0, o.code(), in.getKey() + ": " + o.err());
            assertTrue(o.err().contains("1 event in") && !o.err().contains("malformed"), in.getKey() + ": " + o.err());
            assertEquals(1, o.lines().size(), in.getKey() + ": " + o.out());
            String alert = o.lines().get(0).replaceAll(",\"location\":\\{[^}]*\\}", "");
            assertTrue(alert.contains("agent=python-requests/\uFFFD") || alert.contains("agent=python-requests/\\ufffd"),
                    in.getKey() + ": " + alert);
            if (expected == null) {
                expected = alert;
            }
            assertEquals(expected, alert, in.getKey() + " alerts as the JSON line does");
        }
    }

    @Test
    void realYamlExportsYieldWhatTheirJsonConversionYields() throws IOException {
        Path khi = io.kaudit.Shared.require("corpus/real/khi-gke-samples");
        Path rules = dir.resolve("every-event.yaml");
        Files.writeString(rules, """
                - rule: Every event
                  desc: shows what each event decoded to
                  condition: ka.verb exists
                  output: "%ka.verb %ka.user.name %ka.target.resource %ka.target.namespace %ka.target.name %ka.uri %ka.response.code %ka.auth.decision"
                  priority: INFO
                  source: k8s_audit
                """);
        List<String> yamlFiles = new ArrayList<>();
        try (Stream<Path> s = Files.list(khi)) {
            s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(p -> yamlFiles.add(p.toString()));
        }
        List<String> args = new ArrayList<>(List.of("scan", "-f", "jsonl", "-r", rules.toString()));
        args.addAll(yamlFiles);
        Kaudit.Outcome fromYaml = Kaudit.run(args.toArray(String[]::new));
        Kaudit.Outcome fromJson = Kaudit.run("scan", "-f", "jsonl", "-r", rules.toString(),
                khi.resolve("CONVERTED-yaml-to-json.jsonl").toString());
        Pattern output = Pattern.compile("\"output\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        java.util.function.Function<Kaudit.Outcome, List<String>> outputs = o -> o.lines().stream()
                .map(output::matcher).filter(Matcher::find).map(m -> m.group(1)).sorted().toList();
        assertEquals(yamlFiles.size(), outputs.apply(fromYaml).size(), fromYaml.err());
        assertEquals(outputs.apply(fromJson), outputs.apply(fromYaml));
        assertFalse(fromYaml.err().contains("malformed"), fromYaml.err());
    }

    @Test
    void criContainerLogsHaveTheirPartialRecordsJoined() throws IOException {
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("all.log", events).toString()));
        // kube-apiserver auditing to stdout, as the kubelet stores it: events split into parts (P)
        // ended by a last record (F); the alerts must name the line of an event's first record
        List<String> cri = new ArrayList<>();
        java.util.Set<Integer> firstRecords = new java.util.HashSet<>();
        int n = 0;
        for (String e : events) {
            String ts = String.format("2026-03-14T09:00:%02d.000000001Z", n++ % 60);
            firstRecords.add(cri.size() + 1);
            int part = 97 + n % 50;   // uneven parts, some events in one record
            for (int i = 0; i < e.length(); i += part) {
                boolean last = i + part >= e.length();
                cri.add(ts + " stdout " + (last ? "F " : "P ") + e.substring(i, Math.min(e.length(), i + part)));
            }
            if (n % 7 == 0) {
                cri.add(ts + " stderr F I1114 09:00:00.000001 1 trace.go:236] a line of the server's own");
            }
        }
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", write("kube-apiserver.log", cri).toString());
        assertEquals(expected, perRule(o));
        assertTrue(o.err().contains(events.size() + " events"), o.err());
        assertFalse(o.err().contains("malformed"), "the server's stderr lines are no audit events: " + o.err());
        Matcher line = LINE.matcher(o.out());
        int alerts = 0;
        while (line.find()) {
            assertTrue(firstRecords.contains(Integer.parseInt(line.group(2))), "line " + line.group(2));
            alerts++;
        }
        assertTrue(alerts > 20);
    }

    /** A copy of {@code o} without the keys in {@code drop}, the others renamed by {@code rename}. */
    private static io.kaudit.event.JsonObject without(io.kaudit.event.JsonObject o, java.util.function.UnaryOperator<String> rename,
                                                      String... drop) {
        io.kaudit.event.JsonObject out = new io.kaudit.event.JsonObject();
        for (int i = 0; i < o.size(); i++) {
            if (!List.of(drop).contains(o.keyAt(i))) {
                out.put(rename.apply(o.keyAt(i)), o.valueAt(i));
            }
        }
        return out;
    }

    @Test
    void elasticAgentDocumentsHitsAndSearchResponsesAreUnwrapped() throws IOException {
        // what the Elastic Agent's Kubernetes integration keeps of each event, as plain events ...
        List<String> plain = new ArrayList<>();
        List<String> docs = new ArrayList<>();
        List<String> hits = new ArrayList<>();
        int n = 0;
        for (String line : events) {
            io.kaudit.event.JsonObject e = (io.kaudit.event.JsonObject) io.kaudit.event.JsonReader.parse(line,
                    io.kaudit.event.Projection.ALL);
            io.kaudit.event.JsonObject kept = without(e, k -> k);
            for (String body : List.of("requestObject", "responseObject")) {
                if (e.object(body) != null) {
                    kept = without(kept, k -> k, body);
                    kept.put(body, without(e.object(body), k -> k, "metadata"));
                }
            }
            plain.add(io.kaudit.event.JsonWriter.compact(kept));
            // ... and as its documents: under kubernetes.audit, annotation keys dedotted
            io.kaudit.event.JsonObject audit = without(kept, k -> k, "annotations");
            if (kept.object("annotations") != null) {
                audit.put("annotations", without(kept.object("annotations"), k -> k.replace('.', '_')));
            }
            String doc = "{\"@timestamp\":\"" + e.string("stageTimestamp") + "\",\"data_stream\":{\"dataset\":"
                    + "\"kubernetes.audit_logs\"},\"kubernetes\":{\"audit\":" + io.kaudit.event.JsonWriter.compact(audit) + "}}";
            docs.add(doc);
            hits.add("{\"_index\":\".ds-logs-kubernetes.audit_logs-default\",\"_id\":\"" + n++ + "\",\"_source\":" + doc + "}");
        }
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("plain.log", plain).toString()));
        assertTrue(expected.containsKey("Anonymous Request Allowed"), "a rule that reads an annotation: " + expected);
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("docs.ndjson", docs).toString())));
        assertEquals(expected, perRule(Kaudit.run("scan", "-q", "-f", "jsonl", write("hits.ndjson", hits).toString())));
        String response = "{\n  \"took\": 12,\n  \"hits\": {\n    \"total\": {\"value\": " + hits.size() + "},\n    \"hits\": [\n"
                + String.join(",\n", hits) + "\n    ]\n  }\n}\n";
        Path search = dir.resolve("search.json");
        Files.writeString(search, response);
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", search.toString());
        assertEquals(expected, perRule(o));
        assertTrue(o.err().contains(events.size() + " events"), o.err());
    }

    @Test
    void aTruncatedGzipKeepsWhatCameBeforeTheCutAndTheScanGoesOn() throws IOException {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.addAll(events);
        }
        Path whole = gzip("whole.log.gz", many);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.log.gz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 2000));
        Path next = write("next.log", events);
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", cut.toString(), next.toString());
        assertEquals(0, o.code(), o.err());
        Matcher m = Pattern.compile("([0-9,]+) events").matcher(o.err());
        assertTrue(m.find());
        long seen = Long.parseLong(m.group(1).replace(",", ""));
        long wholeLines = 0;   // lines before the cut, counted by reading the gzip as far as it goes
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(cut))) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    wholeLines += buf[i] == '\n' ? 1 : 0;
                }
            }
        } catch (java.io.EOFException expected) {
            // the cut
        }
        assertTrue(o.err().contains("1 malformed line skipped (first at " + cut + ":" + (wholeLines + 1) + ": "),
                "the line cut in two, after " + wholeLines + " whole lines: " + o.err());
        assertTrue(o.err().contains("1 input not read to the end (first at " + cut + ":" + (wholeLines + 1)
                + ": compressed data ends early ("), "the cut named on its own: " + o.err());
        Kaudit.Outcome before = Kaudit.run("scan", "-f", "jsonl",
                write("before-the-cut.log", many.subList(0, (int) wholeLines)).toString(), next.toString());
        assertTrue(before.err().contains(String.format("%,d events", seen)),
                "every event of every whole line before the cut is kept: " + before.err());
        assertTrue(o.out().contains(next.getFileName().toString()), "the next input is still scanned");

        Path header = dir.resolve("header.log.gz");   // cut within the gzip header itself
        Files.write(header, java.util.Arrays.copyOf(bytes, 5));
        Kaudit.Outcome early = Kaudit.run("scan", "-f", "jsonl", header.toString(), next.toString());
        assertEquals(0, early.code(), early.err());
        assertTrue(early.err().contains("1 input not read to the end (first at " + header + ":1: compressed data ends early"),
                early.err());
        assertTrue(early.out().contains(next.getFileName().toString()), "the next input is still scanned");
    }

    /**
     * GZIPInputStream takes bytes after a member that are not a gzip header for padding and ends:
     * a damaged second member lost every later line without a word. Whole members are read, the
     * loss is named; concatenated members that are whole read as one stream.
     */
    @Test
    void aDamagedGzipMemberIsNamedNotTakenForTheEnd() throws IOException {
        byte[] first = Files.readAllBytes(gzip("m1.gz", events));
        byte[] second = Files.readAllBytes(gzip("m2.gz", events));
        Path whole = dir.resolve("members.log.gz");
        Files.write(whole, concat(first, second, second));
        Kaudit.Outcome good = Kaudit.run("scan", "-f", "jsonl", whole.toString());
        assertTrue(good.err().contains(String.format("%,d events", 3 * events.size()))
                && !good.err().contains("not read to the end"), good.err());
        second[0] = 0x1e;   // the second member's magic number damaged
        Path damaged = dir.resolve("damaged.log.gz");
        Files.write(damaged, concat(first, second, Files.readAllBytes(gzip("m3.gz", events))));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", damaged.toString());
        assertTrue(o.err().contains(String.format("%,d events", events.size())), "the first member is read: " + o.err());
        assertTrue(o.err().contains("1 input not read to the end (first at " + damaged + ":" + events.size()
                + ": bytes after a gzip member are not gzip data"), o.err());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** Another compression or an archive is named with what to do; the other inputs are still scanned; exit 2. */
    @Test
    void otherCompressionsAreNamedAndTheRestIsScanned() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("mixed"));
        Path plain = write("mixed/audit.log", events);
        Map<String, byte[]> others = Map.of(
                "audit.log.1.zst", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0},
                "audit.log.2.xz", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 0},
                "audit.log.3.bz2", "BZh91AY&SY".getBytes(StandardCharsets.US_ASCII),
                "logs.zip", new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        for (Map.Entry<String, byte[]> o : others.entrySet()) {
            Files.write(folder.resolve(o.getKey()), o.getValue());
        }
        Map<String, Integer> expected = perRule(Kaudit.run("scan", "-q", "-f", "jsonl", plain.toString()));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", folder.toString());
        assertEquals(2, o.code(), "an input that cannot be read is exit 2: " + o.err());
        Map<String, Integer> got = new TreeMap<>();
        for (String l : o.lines()) {
            Matcher r = RULE.matcher(l);
            if (r.find()) {
                got.merge(r.group(1), 1, Integer::sum);
            }
        }
        assertEquals(expected, got, "the readable log is scanned whole");
        assertTrue(o.err().contains("4 inputs not read to the end (first at " + folder.resolve("audit.log.1.zst") + ":1: "
                + "zstd-compressed (kaudit reads plain and gzip logs: decompress it first, or pipe it: zstd -dc "), o.err());
        Kaudit.Outcome quiet = Kaudit.run("scan", "-q", "-f", "jsonl", folder.resolve("logs.zip").toString());
        assertEquals(2, quiet.code());
        assertTrue(quiet.err().contains("logs.zip: a zip archive (kaudit reads plain and gzip logs: unpack it and scan the files)"),
                "named even with -q: " + quiet.err());
        Kaudit.Outcome repl = Kaudit.run("repl", "-c", "count", folder.toString());
        assertEquals(0, repl.code(), repl.err());
        assertTrue(repl.out().startsWith(String.format("%,d events", events.size())), repl.out());
        assertTrue(repl.err().contains(folder.resolve("audit.log.2.xz") + ": xz-compressed ("), repl.err());
        assertTrue(repl.err().contains(" from 1 file in "), "the files not loaded are not counted: " + repl.err());
    }
}
