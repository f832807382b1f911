package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaudit.Kaudit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled correlation rules (rules/kaudit_correlations.yml) are part of the default rule set:
 * they fire on their samples with no -r, the rules feeding them stay quiet, and the usual selection
 * (--disable, --tag, --min-priority, enabled: false in rules.d or --add-rules) applies to them.
 */
class BundledCorrelationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sample name to the correlation it shows. */
    private static final Map<String, String> SAMPLES = Map.of(
            "corr-secrets-many-namespaces", "Secrets Read Across Many Namespaces",
            "corr-forbidden-burst", "Burst Of Forbidden Requests By One Identity",
            "corr-sa-user-agents", "Service Account Token Used From Several User Agents",
            "corr-enumeration", "Enumeration Of Many Resource Kinds By One User",
            "corr-binding-then-used", "Binding Created Then Used By Its Subject",
            "corr-exec-many-namespaces", "Exec Into Pods Of Many Namespaces");

    @TempDir
    Path dir;

    /** Alerts per rule name, and the correlation alerts' rule names. */
    private static Map<String, Integer> perRule(Kaudit.Outcome o) throws Exception {
        assertEquals(0, o.code(), o.err());
        Map<String, Integer> out = new TreeMap<>();
        for (String l : o.out().split("\n")) {
            if (!l.isBlank()) {
                out.merge(JSON.readTree(l).get("rule").asText(), 1, Integer::sum);
            }
        }
        return out;
    }

    private static List<String> correlations(Kaudit.Outcome o) throws Exception {
        List<String> out = new ArrayList<>();
        for (String l : o.out().split("\n")) {
            if (!l.isBlank()) {
                JsonNode a = JSON.readTree(l);
                if (a.has("correlation")) {
                    out.add(a.get("rule").asText());
                }
            }
        }
        return out;
    }

    private static Kaudit.Outcome scan(String... args) {
        List<String> all = new ArrayList<>(List.of("scan", "-q", "-f", "jsonl"));
        all.addAll(List.of(args));
        return Kaudit.run(all.toArray(String[]::new));
    }

    @Test
    void eachSampleFiresItsCorrelationWithoutDashR() throws Exception {
        for (Map.Entry<String, String> s : SAMPLES.entrySet()) {
            Kaudit.Outcome attack = scan("samples/" + s.getKey() + ".log");
            assertEquals(List.of(s.getValue()), correlations(attack), s.getKey() + ": " + attack.out());
            Kaudit.Outcome benign = scan("samples/" + s.getKey() + "-benign.log");
            assertEquals(List.of(), correlations(benign), s.getKey() + "-benign: " + benign.out());
            // the rules that only feed correlations never alert on their own
            for (String rule : perRule(attack).keySet()) {
                assertTrue(!rule.equals("Secret read by a person or workload") && !rule.equals("Exec into a pod")
                        && !rule.equals("Request forbidden to a person or workload"), rule);
            }
        }
    }

    @Test
    void disableTurnsACorrelationOffAndItsFeederStaysQuiet() throws Exception {
        String name = "Secrets Read Across Many Namespaces";
        Map<String, Integer> on = perRule(scan("samples/corr-secrets-many-namespaces.log"));
        Map<String, Integer> off = perRule(scan("--disable", name, "samples/corr-secrets-many-namespaces.log"));
        assertEquals(1, on.get(name));
        Map<String, Integer> expected = new TreeMap<>(on);
        expected.remove(name);
        assertEquals(expected, off, "the same alerts less the correlation, no feeder alerts instead");
        assertTrue(off.containsKey("Secret Read"), off.toString());   // the Falco rule of the bundled set still fires
    }

    @Test
    void enabledFalseInAnAddedFileTurnsACorrelationOff() throws Exception {
        Path quiet = dir.resolve("quiet.yaml");
        Files.writeString(quiet, "- rule: Burst Of Forbidden Requests By One Identity\n  enabled: false\n");
        assertEquals(List.of(), correlations(scan("--add-rules", quiet.toString(), "samples/corr-forbidden-burst.log")));
        // by its Sigma name: works for a feeder too (turning it off starves its correlation)
        Files.writeString(quiet, "- rule: kaudit_pod_exec\n  enabled: false\n");
        assertEquals(List.of(), correlations(scan("--add-rules", quiet.toString(), "samples/corr-exec-many-namespaces.log")));
        // and on again later in the same file
        Files.writeString(quiet, "- rule: kaudit_pod_exec\n  enabled: false\n- rule: Exec into a pod\n  enabled: true\n");
        assertEquals(List.of("Exec Into Pods Of Many Namespaces"),
                correlations(scan("--add-rules", quiet.toString(), "samples/corr-exec-many-namespaces.log")));
    }

    @Test
    void enabledFalseInTheLocalRulesFolderTurnsACorrelationOff() throws Exception {
        Path rulesD = dir.resolve("config/kaudit/rules.d");
        Files.createDirectories(rulesD);
        Files.writeString(rulesD.resolve("50-no-burst.yaml"),
                "- rule: Burst Of Forbidden Requests By One Identity\n  enabled: false\n");
        ProcessBuilder pb = new ProcessBuilder(Kaudit.command(List.of(), "scan", "-q", "-f", "jsonl",
                "samples/corr-forbidden-burst.log", "samples/corr-exec-many-namespaces.log"));
        pb.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Kaudit.Outcome o = new Kaudit.Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertEquals(List.of("Exec Into Pods Of Many Namespaces"), correlations(o));
    }

    @Test
    void tagAndMinPrioritySelectCorrelationsToo() throws Exception {
        String[] attacks = SAMPLES.keySet().stream().sorted().map(s -> "samples/" + s + ".log").toArray(String[]::new);
        List<String> all = correlations(scan(attacks));
        assertEquals(SAMPLES.size(), all.size(), all.toString());
        // --tag: the correlations carrying it (their feeders run, quiet, whatever their own tags)
        List<String> tagged = new ArrayList<>(List.of("--tag", "T1069"));
        tagged.addAll(List.of(attacks));
        assertEquals(List.of("Burst Of Forbidden Requests By One Identity"), correlations(scan(tagged.toArray(String[]::new))));
        tagged.set(1, "k8s");
        assertEquals(all.stream().sorted().toList(),
                correlations(scan(tagged.toArray(String[]::new))).stream().sorted().toList());
        // --min-priority error: the high correlations (Error), not the medium ones (Warning)
        List<String> high = new ArrayList<>(List.of("--min-priority", "error"));
        high.addAll(List.of(attacks));
        List<String> got = correlations(scan(high.toArray(String[]::new))).stream().sorted().toList();
        assertEquals(List.of("Binding Created Then Used By Its Subject", "Exec Into Pods Of Many Namespaces",
                "Secrets Read Across Many Namespaces", "Service Account Token Used From Several User Agents"), got);
    }

    /** Under Falco's first-match the feeders neither take an event's one alert nor miss events another rule took. */
    @Test
    void firstMatchKeepsOneAlertPerEventAndTheCorrelations() throws Exception {
        String[] attacks = SAMPLES.keySet().stream().sorted().map(s -> "samples/" + s + ".log").toArray(String[]::new);
        for (String a : attacks) {
            Kaudit.Outcome all = scan(a);
            Kaudit.Outcome first = scan("--rule-matching", "first", a);
            assertEquals(correlations(all), correlations(first), a);
            java.util.Set<String> places = new java.util.HashSet<>();
            for (String l : first.out().split("\n")) {
                if (l.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(l);
                if (!n.has("correlation")) {
                    assertTrue(places.add(n.get("location").toString()), "one alert per event: " + l);
                }
            }
        }
        // an event both a Falco rule and a feeder match: the Falco rule alerts, the feeder still counts it
        Kaudit.Outcome exec = scan("--rule-matching", "first", "samples/corr-exec-many-namespaces.log");
        assertTrue(perRule(exec).containsKey("Exec or Attach Into Pod"), exec.out());
    }

    @Test
    void rulesListAndExportIncludeTheCorrelations() throws Exception {
        Kaudit.Outcome list = Kaudit.run("rules", "list");
        assertEquals(0, list.code(), list.err());
        for (String c : SAMPLES.values()) {
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith(c) && l.contains("correlation")), c);
        }
        Kaudit.Outcome export = Kaudit.run("rules", "export", dir.resolve("x").toString());
        assertEquals(0, export.code(), export.err());
        assertEquals(Files.readString(Path.of("rules/kaudit_correlations.yml")),
                Files.readString(dir.resolve("x/kaudit_correlations.yml")));
        // the exported folder, given back with -r, is the default set
        Kaudit.Outcome again = scan("-r", dir.resolve("x").toString(), "samples/corr-enumeration.log");
        assertEquals(List.of("Enumeration Of Many Resource Kinds By One User"), correlations(again));
    }

    /** scan honours the correlation options as follow, serve and consume do (it once ran on their defaults). */
    @Test
    void scanTakesTheGroupCapAndCountsEvictions() throws Exception {
        List<String> args = new ArrayList<>(List.of("scan", "-f", "json"));
        SAMPLES.keySet().stream().sorted().forEach(s -> args.add("samples/" + s + ".log"));
        Kaudit.Outcome free = Kaudit.run(args.toArray(String[]::new));
        assertEquals(0, free.code(), free.err());
        assertEquals(0, JSON.readTree(free.out()).get("stats").get("correlation_groups_evicted").asLong(), free.out());
        args.addAll(1, List.of("--max-correlation-groups", "1"));
        Kaudit.Outcome capped = Kaudit.run(args.toArray(String[]::new));
        assertEquals(0, capped.code(), capped.err());
        long evicted = JSON.readTree(capped.out()).get("stats").get("correlation_groups_evicted").asLong();
        assertTrue(evicted > 0, capped.out());
        assertTrue(capped.err().contains(String.format("%,d correlation group", evicted)), capped.err());
    }
}
