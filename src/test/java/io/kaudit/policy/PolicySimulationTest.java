package io.kaudit.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kaudit.Kaudit;
import io.kaudit.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The experiment behind {@code policy check}: a log of every stage of every request (the samples
 * and Falco's traces, at full level) is passed through this test's own simulation of
 * kube-apiserver's policy evaluation (events dropped at None or omitted stages, bodies cut to the
 * level), then scanned. A rule the check calls covered loses no alert there; one it calls blind
 * loses all of them.
 */
class PolicySimulationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LONG_RUNNING = Set.of("exec", "attach", "portforward", "proxy");

    @TempDir
    Path dir;

    /** Each source event as the stages kube-apiserver writes for its request. */
    private static List<ObjectNode> generate() throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("samples"))) {
            // the correlation samples are many events for one alert each: left out as in the other sample sets
            sources.addAll(s.filter(p -> !p.getFileName().toString().startsWith("corr-")).sorted().toList());
        }
        Path traces = Shared.FALCO.resolve("traces");
        if (Files.isDirectory(traces)) {
            try (Stream<Path> s = Files.list(traces)) {
                sources.addAll(s.sorted().toList());
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (Path p : sources) {
            for (String line : Files.readAllLines(p)) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    continue;   // the fuzz trace
                }
                if (!(n instanceof ObjectNode e) || !e.has("stageTimestamp")) {
                    continue;
                }
                String sub = e.path("objectRef").path("subresource").asText("");
                boolean longRunning = e.path("verb").asText().equals("watch") || LONG_RUNNING.contains(sub);
                ObjectNode received = e.deepCopy();
                received.put("stage", "RequestReceived");
                received.remove(List.of("responseStatus", "requestObject", "responseObject", "annotations"));
                out.add(received);
                if (longRunning) {
                    ObjectNode started = e.deepCopy();
                    started.put("stage", "ResponseStarted");
                    started.remove("responseObject");
                    out.add(started);
                }
                ObjectNode complete = e.deepCopy();
                complete.put("stage", "ResponseComplete");
                out.add(complete);
            }
        }
        // each generated event its own time: an alert's time then says which event (and stage) raised it
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < out.size(); i++) {
            out.get(i).put("stageTimestamp", t0.plusNanos(1000L * i).toString());
        }
        return out;
    }

    /** This test's own reading of checker.go: the first matching rule's level and omitted stages. */
    private static Object[] decide(JsonNode policy, JsonNode e) {
        JsonNode ref = e.path("objectRef");
        boolean resource = ref.has("resource");
        String user = e.path("user").path("username").asText("");
        List<String> groups = new ArrayList<>();
        e.path("user").path("groups").forEach(g -> groups.add(g.asText()));
        String verb = e.path("verb").asText();
        String path = e.path("requestURI").asText().replaceAll("\\?.*", "");
        JsonNode rules = policy.isArray() ? policy : policy.path("rules");
        List<String> omit = new ArrayList<>();
        policy.path("omitStages").forEach(s -> omit.add(s.asText()));
        for (JsonNode r : rules) {
            if (r.has("users") && !contains(r.get("users"), user)) {
                continue;
            }
            if (r.has("userGroups") && groups.stream().noneMatch(g -> contains(r.get("userGroups"), g))) {
                continue;
            }
            if (r.has("verbs") && !contains(r.get("verbs"), verb)) {
                continue;
            }
            if (r.has("resources") || r.has("namespaces")) {
                if (!resource) {
                    continue;
                }
                if (r.has("namespaces") && !contains(r.get("namespaces"), ref.path("namespace").asText(""))) {
                    continue;
                }
                if (r.has("resources") && !resourceMatches(r.get("resources"), ref)) {
                    continue;
                }
            } else if (r.has("nonResourceURLs")) {
                if (resource) {
                    continue;
                }
                boolean any = false;
                for (JsonNode u : r.get("nonResourceURLs")) {
                    String spec = u.asText();
                    any |= spec.equals("*") || spec.equals(path)
                            || (spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1)));
                }
                if (!any) {
                    continue;
                }
            }
            List<String> o = new ArrayList<>(omit);
            r.path("omitStages").forEach(s -> o.add(s.asText()));
            return new Object[] {r.get("level").asText(), o};
        }
        return new Object[] {"None", omit};
    }

    private static boolean resourceMatches(JsonNode groups, JsonNode ref) {
        String group = ref.path("apiGroup").asText("");
        String res = ref.path("resource").asText();
        String sub = ref.path("subresource").asText("");
        for (JsonNode g : groups) {
            if (!g.path("group").asText("").equals(group)) {
                continue;
            }
            if (!g.has("resources") || g.get("resources").isEmpty()) {
                return true;
            }
            if (g.has("resourceNames") && !contains(g.get("resourceNames"), ref.path("name").asText(""))) {
                continue;
            }
            for (JsonNode x : g.get("resources")) {
                String spec = x.asText();
                if (spec.equals("*") || spec.equals(sub.isEmpty() ? res : res + "/" + sub)
                        || (spec.equals(res + "/*")) || (!sub.isEmpty() && spec.equals("*/" + sub))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean contains(JsonNode list, String v) {
        for (JsonNode n : list) {
            if (n.asText().equals(v)) {
                return true;
            }
        }
        return false;
    }

    /** The events {@code policy} lets through, cut to their level. */
    static List<String> simulate(Path policyFile, List<ObjectNode> events) throws IOException {
        JsonNode policy = JSON.valueToTree(new org.yaml.snakeyaml.Yaml().load(Files.readString(policyFile)));
        List<String> out = new ArrayList<>();
        for (ObjectNode e : events) {
            Object[] d = decide(policy, e);
            String level = (String) d[0];
            @SuppressWarnings("unchecked")
            List<String> omit = (List<String>) d[1];
            if (level.equals("None") || omit.contains(e.path("stage").asText())) {
                continue;
            }
            ObjectNode cut = e.deepCopy();
            cut.put("level", level);
            if (!level.equals("RequestResponse") || !e.path("objectRef").has("resource")) {
                cut.remove("responseObject");
            }
            if (level.equals("Metadata") || !e.path("objectRef").has("resource")) {
                cut.remove("requestObject");
            }
            out.add(JSON.writeValueAsString(cut));
        }
        return out;
    }

    /** Alerts by rule, each as (auditID, stage) -> count. */
    private static Map<String, Map<String, Integer>> alerts(Path log, String rules, List<String> lines) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        if (lines.isEmpty()) {
            return out;   // the policy recorded nothing: no alert (and scan would call the input empty)
        }
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", rules, log.toString());
        assertEquals(0, o.code(), o.err());
        for (String l : o.lines()) {
            try {
                JsonNode a = JSON.readTree(l);
                String key = a.path("time").asText();
                out.computeIfAbsent(a.path("rule").asText(), k -> new HashMap<>()).merge(key, 1, Integer::sum);
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }
        return out;
    }

    private Map<String, String> verdicts(String rules, Path policy) throws IOException {
        Kaudit.Outcome o = Kaudit.run("policy", "check", "-f", "json", "-r", rules, policy.toString());
        assertEquals(0, o.code(), o.err());
        Map<String, String> out = new TreeMap<>();
        for (JsonNode r : JSON.readTree(o.out()).path("rules")) {
            out.put(r.path("rule").asText(), r.path("status").asText());
        }
        return out;
    }

    /** Checks every verdict of {@code policy} against the experiment; returns {covered, blind} rules that alerted before. */
    private int[] experiment(String rules, Path policy, List<ObjectNode> events, Map<String, Map<String, Integer>> before,
                             List<String> problems) throws IOException {
        List<String> lines = simulate(policy, events);
        Path log = Files.write(dir.resolve(policy.getFileName() + "." + Math.abs(rules.hashCode()) + ".log"), lines);
        Map<String, Map<String, Integer>> after = alerts(log, rules, lines);
        int covered = 0;
        int blind = 0;
        for (Map.Entry<String, String> v : verdicts(rules, policy).entrySet()) {
            Map<String, Integer> was = before.getOrDefault(v.getKey(), Map.of());
            Map<String, Integer> now = after.getOrDefault(v.getKey(), Map.of());
            if (was.isEmpty()) {
                continue;
            }
            if (v.getValue().equals("covered")) {
                covered++;
                for (Map.Entry<String, Integer> a : was.entrySet()) {
                    if (now.getOrDefault(a.getKey(), 0) < a.getValue()) {
                        problems.add(policy.getFileName() + ": covered rule " + v.getKey() + " lost alert " + a.getKey());
                    }
                }
            } else if (v.getValue().equals("blind")) {
                blind++;
                if (!now.isEmpty()) {
                    problems.add(policy.getFileName() + ": blind rule " + v.getKey() + " still alerted " + now.keySet());
                }
            }
        }
        return new int[] {covered, blind};
    }

    @Test
    void coveredRulesLoseNoAlertAndBlindRulesLoseAll() throws IOException {
        Path policies = Shared.require("corpus/policies");
        List<ObjectNode> events = generate();
        Path full = Files.write(dir.resolve("full.log"), events.stream().map(JsonNode::toString).toList());
        List<String> problems = new ArrayList<>();
        int covered = 0;
        int blind = 0;
        // rule sets and how many of their rules the events make fire at least
        Map<String, Integer> ruleSets = new java.util.LinkedHashMap<>();
        ruleSets.put("rules", 20);
        ruleSets.put(Shared.FALCO.resolve("rules/k8s_audit_rules.yaml").toString(), 20);
        Path sigma = Shared.FALCO.resolveSibling("sigma").resolve("rules");
        if (Files.isDirectory(sigma)) {
            ruleSets.put(sigma.toString(), 8);   // Sigma's plain values fix verbs and resources as Falco's = does
        }
        for (String rules : ruleSets.keySet()) {
            Map<String, Map<String, Integer>> before = alerts(full, rules, List.of("x"));
            assertTrue(before.size() >= ruleSets.get(rules), rules + ": " + before.keySet());
            try (Stream<Path> s = Files.list(policies)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                    int[] n = experiment(rules, p, events, before, problems);
                    covered += n[0];
                    blind += n[1];
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(covered > 100 && blind > 30, "verdicts tested: covered " + covered + ", blind " + blind);
    }

    /** A correlation sees what the rules it counts see: blind with them, covered with them, gating --fail-on. */
    @Test
    void aCorrelationIsJudgedByTheRulesItCounts() throws IOException {
        Path noExec = Files.writeString(dir.resolve("no-exec.yaml"), """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                  - level: None
                    resources:
                      - group: ""
                        resources: ["pods/exec", "pods/attach"]
                  - level: RequestResponse
                """);
        Map<String, String> v = verdicts("rules", noExec);
        assertEquals("blind", v.get("Exec Into Pods Of Many Namespaces"), v.toString());
        assertEquals("covered", v.get("Secrets Read Across Many Namespaces"), v.toString());
        Kaudit.Outcome gate = Kaudit.run("policy", "check", "--fail-on", "error", noExec.toString());
        assertEquals(1, gate.code(), "an Error correlation made blind fails the gate: " + gate.out());
        assertTrue(gate.out().contains("through 'Exec into a pod': not recorded (level None)"), gate.out());
        Path all = Files.writeString(dir.resolve("all.yaml"),
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n");
        assertEquals("covered", verdicts("rules", all).get("Exec Into Pods Of Many Namespaces"));
    }

    /** The suggested policy: no blind rule, every alert kept, fewer events than the Kubernetes docs' example. */
    @Test
    void suggestedPolicyKeepsEveryAlertAndRecordsLessThanTheDocsExample() throws IOException {
        Path docs = Shared.require("corpus/policies/k8s-docs-audit-policy.yaml");
        List<ObjectNode> events = generate();
        Path full = Files.write(dir.resolve("full.log"), events.stream().map(JsonNode::toString).toList());
        for (String rules : List.of("rules", Shared.FALCO.resolve("rules/k8s_audit_rules.yaml").toString())) {
            Path suggested = dir.resolve("suggested-" + Math.abs(rules.hashCode()) + ".yaml");
            Kaudit.Outcome s = Kaudit.run("policy", "suggest", "-r", rules, "-o", suggested.toString());
            assertEquals(0, s.code(), s.err());
            Kaudit.Outcome check = Kaudit.run("policy", "check", "--fail-on", "debug", "-r", rules, suggested.toString());
            assertEquals(0, check.code(), check.out() + check.err());
            assertTrue(check.out().contains(" 0 blind"), check.out());

            Map<String, Map<String, Integer>> before = alerts(full, rules, List.of("x"));
            List<String> problems = new ArrayList<>();
            experiment(rules, suggested, events, before, problems);
            assertEquals(List.of(), problems);
            List<String> kept = simulate(suggested, events);
            Map<String, Map<String, Integer>> after = alerts(Files.write(dir.resolve("kept.log"), kept), rules, kept);
            for (Map.Entry<String, Map<String, Integer>> e : before.entrySet()) {
                assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " under the suggested policy");
            }
            int docsKept = simulate(docs, events).size();
            assertTrue(kept.size() < docsKept, "suggested records " + kept.size() + " events, the docs' example " + docsKept);
        }
    }

    /**
     * Falco's exec rule waits for ResponseStarted: a policy that omits that stage alone blinds it. kaudit's
     * exec rules are once per request and alert at ResponseComplete then, so they stay covered.
     */
    @Test
    void omittingResponseStartedBlindsExecRules() throws IOException {
        String upstream = Shared.require("conformance/falco/rules/k8s_audit_rules.yaml").toString();
        Path policy = Files.writeString(dir.resolve("no-started.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                + "omitStages: [ResponseStarted]\nrules:\n- level: RequestResponse\n");
        Map<String, String> falco = verdicts(upstream, policy);
        assertEquals("blind", falco.get("Attach/Exec Pod"), falco.toString());
        assertEquals("covered", falco.get("Create Privileged Pod"), falco.toString());
        Map<String, String> bundled = verdicts("rules", policy);
        assertEquals("covered", bundled.get("Interactive Shell Exec Into Pod"), bundled.toString());
        assertEquals("covered", bundled.get("Port Forward to Pod"), bundled.toString());
        assertEquals("covered", bundled.get("Binding to cluster-admin"), bundled.toString());
        Kaudit.Outcome json = Kaudit.run("policy", "check", "-f", "json", "-r", upstream, policy.toString());
        JsonNode exec = null;
        for (JsonNode r : JSON.readTree(json.out()).path("rules")) {
            if (r.path("rule").asText().equals("Attach/Exec Pod")) {
                exec = r;
            }
        }
        assertTrue(exec != null && exec.path("blinded_by").get(0).path("why").asText().contains("ResponseStarted omitted"),
                String.valueOf(exec));
        assertTrue(exec.path("suggestion").asText().contains("pods/exec"), exec.toString());
    }

    /** A scan says what its log let rules see: levels, stages, and the rules that could not have fired. */
    @Test
    void scanSaysWhatTheLogHidFromTheRules() throws IOException {
        Path policy = Files.writeString(dir.resolve("metadata-complete.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
                + "omitStages: [RequestReceived, ResponseStarted]\nrules:\n- level: Metadata\n");
        List<String> lines = simulate(policy, generate());
        Path log = Files.write(dir.resolve("metadata.log"), lines);
        // Falco's upstream exec rule waits for ResponseStarted (kaudit's own take either stage, once per request)
        String upstream = Shared.require("conformance/falco/rules/k8s_audit_rules.yaml").toString();
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "json", "-r", upstream, log.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("what this log lets rules see: only Metadata events: ")
                && o.err().contains("rules that read request bodies could not fire")
                && o.err().contains("for stage ResponseStarted; no event in this log has it"), o.err());
        JsonNode stats = JSON.readTree(o.out()).path("stats");
        assertEquals(lines.size(), stats.path("levels").path("Metadata").asLong(), stats.toString());
        assertEquals(lines.size(), stats.path("stages").path("ResponseComplete").asLong(), stats.toString());
        assertTrue(stats.path("visibility").asText().startsWith("only Metadata events"), stats.toString());
        // a log with every level and stage hides nothing: no such line
        Path full = Files.write(dir.resolve("full.log"), generate().stream().map(JsonNode::toString).toList());
        Kaudit.Outcome all = Kaudit.run("scan", "-f", "json", full.toString());
        assertTrue(!all.err().contains("wait for stage"), all.err());
        assertEquals("", JSON.readTree(all.out()).path("stats").path("visibility").asText().replaceAll(".*carry no request body.*", ""));
    }

    /** Exit 1 for CI when a rule at or above --fail-on is blind; 2 with file:line for a broken policy. */
    @Test
    void failOnGatesAndBadPoliciesNameTheLine() throws IOException {
        Path metadataOnly = Files.writeString(dir.resolve("metadata.yaml"),
                "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n");
        Kaudit.Outcome o = Kaudit.run("policy", "check", "--fail-on", "warning", metadataOnly.toString());
        assertEquals(1, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("BLIND  Warning  Privileged Container Started"), o.out());
        assertTrue(o.out().contains("metadata.yaml:4: recorded at Metadata"), o.out());
        assertEquals(0, Kaudit.run("policy", "check", "--fail-on", "critical", "--disable", "Container Runtime Socket Mounted",
                metadataOnly.toString()).code());
        Path bad = Files.writeString(dir.resolve("bad.yaml"),
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n- level: Everything\n");
        Kaudit.Outcome b = Kaudit.run("policy", "check", bad.toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("bad.yaml:5") && b.err().contains("Everything"), b.err());
        // a YAML syntax error names its line too, on one line (it was "FILE: not valid YAML: " and SnakeYAML's message)
        Path broken = Files.writeString(dir.resolve("broken.yaml"),
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  verbs: [get\n");
        Kaudit.Outcome y = Kaudit.run("policy", "check", broken.toString());
        assertEquals(2, y.code(), y.err());
        assertTrue(y.err().contains(broken + ":6:1: not valid YAML: expected ',' or ']'"), y.err());
        assertEquals(1, y.err().strip().lines().count(), y.err());
        Kaudit.Outcome missing = Kaudit.run("policy", "check", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains(dir.resolve("nope.yaml") + ": cannot read: no such file"), missing.err());
        // a binary file (a jar given by mistake) is named as one, for a policy and for rules alike
        Path binary = java.nio.file.Files.write(dir.resolve("kaudit.yaml"), new byte[] {'P', 'K', 3, 4, (byte) 0xC3, 0x28, (byte) 0xFF});
        Kaudit.Outcome bin = Kaudit.run("policy", "check", binary.toString());
        assertEquals(2, bin.code(), bin.err());
        assertTrue(bin.err().contains(binary + ": not UTF-8 text (a binary file?)"), bin.err());
        Kaudit.Outcome binRules = Kaudit.run("rules", "check", binary.toString());
        assertEquals(2, binRules.code(), binRules.err());
        assertTrue(binRules.err().contains(binary + ": cannot read rules file: not UTF-8 text (a binary file?)"), binRules.err());
    }
}
