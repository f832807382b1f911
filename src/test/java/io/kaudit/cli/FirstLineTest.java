package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One odd first line (BOM-like, YAML-like, legacy text, a bracket alone) never costs the JSON events after it. */
class FirstLineTest {
    @TempDir
    Path dir;

    private static final Path SAMPLE = Path.of("samples", "privileged-pod.log");

    private Path file(String name, byte[] first) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(first);
        b.write('\n');
        b.write(Files.readAllBytes(SAMPLE));
        Path p = dir.resolve(name);
        Files.write(p, b.toByteArray());
        return p;
    }

    @Test
    void theEventsAfterAnOddFirstLineAreAllRead() throws Exception {
        Map<String, Integer> clean = ScanInputsTest.perRule(Kaudit.run("scan", "-q", "-f", "jsonl", SAMPLE.toString()));
        int events = Files.readAllLines(SAMPLE).size();
        Map<String, byte[]> firsts = Map.of(
                "bom-mojibake", "\u00ef\u00bb\u00bf".getBytes(StandardCharsets.UTF_8),
                "yaml-marker", "---".getBytes(StandardCharsets.UTF_8),
                "yaml-key", "apiVersion: audit.k8s.io/v1".getBytes(StandardCharsets.UTF_8),
                "yaml-kind", "kind: EventList".getBytes(StandardCharsets.UTF_8),
                "brace", "{".getBytes(StandardCharsets.UTF_8),
                "bracket", "[".getBytes(StandardCharsets.UTF_8),
                "text", "Audit log exported by support, 2026-03-14".getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> f : firsts.entrySet()) {
            Path p = file(f.getKey() + ".log", f.getValue());
            Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", p.toString());
            assertEquals(clean, ScanInputsTest.perRule(o), f.getKey() + ": " + o.err());
            assertTrue(o.err().contains(events + " events"), f.getKey() + ": " + o.err());
            assertTrue(o.err().contains("1 malformed line skipped (first at " + p + ":1:"), f.getKey() + ": " + o.err());
        }
    }

    /** More YAML-looking lines than the sniffer looks at: the broken YAML is read again line by line. */
    @Test
    void aYamlLookingHeaderOfManyLinesFallsBackPerLine() throws Exception {
        StringBuilder head = new StringBuilder();
        for (int i = 1; i <= 12; i++) {
            head.append("field").append(i).append(": value\n");
        }
        Path p = file("header.log", head.toString().strip().getBytes(StandardCharsets.UTF_8));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", p.toString());
        Map<String, Integer> clean = ScanInputsTest.perRule(Kaudit.run("scan", "-q", "-f", "jsonl", SAMPLE.toString()));
        assertEquals(clean, ScanInputsTest.perRule(o), o.err());
        assertTrue(o.err().contains("12 malformed lines skipped (first at " + p + ":1:"), o.err());
        // the JSON events keep their own line numbers
        assertTrue(o.out().contains("\"line\":13"), o.out());
    }

    /** Real YAML exports and pretty-printed JSON are still read whole. */
    @Test
    void realDocumentsAreStillDocuments() throws Exception {
        String first = Files.readAllLines(SAMPLE).get(0);
        Path pretty = dir.resolve("pretty.json");
        Files.writeString(pretty, "{\n  \"kind\": \"EventList\",\n  \"items\": [\n" + first + "\n  ]\n}\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", pretty.toString());
        assertTrue(o.err().contains("1 events") || o.err().contains("1 event "), o.err());
        assertTrue(!o.err().contains("malformed"), o.err());
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[\n" + String.join(",\n", Files.readAllLines(SAMPLE)) + "\n]\n");
        Kaudit.Outcome a = Kaudit.run("scan", "-f", "jsonl", array.toString());
        assertTrue(a.err().contains(Files.readAllLines(SAMPLE).size() + " events") && !a.err().contains("malformed"), a.err());
        List<String> lines = List.of("---", "kind: Event", "apiVersion: audit.k8s.io/v1", "verb: get");
        Path yaml = dir.resolve("e.yaml");
        Files.write(yaml, lines);
        Kaudit.Outcome y = Kaudit.run("scan", "-f", "jsonl", yaml.toString());
        assertTrue(!y.err().contains("neither YAML"), y.err());
    }
}
