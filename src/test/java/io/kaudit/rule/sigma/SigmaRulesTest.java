package io.kaudit.rule.sigma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sigma detection and correlation rules through the real CLI, on small logs written here. */
class SigmaRulesTest {
    private static final Path SIGMAHQ = Path.of("..", "shared", "conformance", "sigma", "rules");
    private static final Pattern RULE = Pattern.compile("\"rule\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern LINE = Pattern.compile("\"line\":(\\d+)");

    @TempDir
    Path dir;

    private static String event(int sec, String user, String verb, String resource, String ns, String extra) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\",\"auditID\":\"id-" + sec
                + "\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/x\",\"verb\":\"" + verb
                + "\",\"user\":{\"username\":\"" + user + "\"},\"sourceIPs\":[\"10.1.2.3\"],\"userAgent\":\"kubectl/v1.30\""
                + ",\"objectRef\":{\"resource\":\"" + resource + "\"" + (ns == null ? "" : ",\"namespace\":\"" + ns + "\"")
                + "},\"responseStatus\":{\"code\":200}" + extra
                + ",\"stageTimestamp\":\"2026-03-14T09:" + String.format("%02d:%02d", sec / 60, sec % 60) + ".000000Z\"}";
    }

    /** Alerts per rule, and the lines of each. */
    private static Map<String, List<Integer>> alerts(Kaudit.Outcome o) {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (String l : o.out().split("\n")) {
            Matcher m = RULE.matcher(l);
            Matcher n = LINE.matcher(l);
            if (m.find() && n.find()) {
                out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(n.group(1)));
            }
        }
        return out;
    }

    @Test
    void sigmaHqRulesLoadListAndExplainTheOneThatCannotMatch() {
        Assumptions.assumeTrue(Files.isDirectory(SIGMAHQ), "../shared absent");
        Kaudit.Outcome check = Kaudit.run("rules", "check", SIGMAHQ.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(check.err().contains("'Kubernetes Potential Enumeration Activity' can never match")
                && check.err().contains("never 'ALLOW'"), check.err());
        Kaudit.Outcome list = Kaudit.run("rules", "list", SIGMAHQ.toString());
        assertEquals(16, list.out().lines().filter(l -> l.matches(".*\\ssigma\\s.*")).count(), list.out());
    }

    @Test
    void sigmaHqRulesFireOnTheirEventsAndNotOnNearMisses() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(SIGMAHQ), "../shared absent");
        String pod = ",\"requestObject\":{\"spec\":{\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":\"/etc\"}}],"
                + "\"containers\":[{\"name\":\"c\",\"securityContext\":{\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}}}]}}";
        List<String> lines = List.of(
                event(1, "alice", "list", "secrets", "default", ""),                                   // 1 secrets enumeration
                event(2, "alice", "LIST", "Secrets", "default", ""),                                   // 2 case-insensitive
                event(3, "alice", "get", "secrets", "default", ""),                                    // 3 nothing
                event(4, "alice", "delete", "deployments", "default", ""),                              // 4 deployment deleted
                event(5, "alice", "create", "pods", "kube-system", pod),                                // 5 system ns + hostPath + privileged
                event(6, "alice", "create", "pods", "default", ""),                                     // 6 nothing
                event(7, "alice", "create", "serviceaccounts", "default", ""),                         // 7 sa created
                event(8, "alice", "delete", "events", "default", ""),                                  // 8 events deleted
                event(9, "alice", "list", "pods", "default", "").replace("\"code\":200", "\"code\":403"),  // 9 unauthorized
                event(10, "alice", "patch", "secrets", "default", ""));                                // 10 secrets modified
        Path log = dir.resolve("a.log");
        Files.write(log, lines);
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", SIGMAHQ.toString(), log.toString());
        assertEquals(0, o.code(), o.err());
        Map<String, List<Integer>> want = new TreeMap<>();
        want.put("Kubernetes Secrets Enumeration", List.of(1, 2));
        want.put("Deployment Deleted From Kubernetes Cluster", List.of(4));
        want.put("Creation Of Pod In System Namespace", List.of(5));
        want.put("Container With A hostPath Mount Created", List.of(5));
        want.put("Privileged Container Deployed", List.of(5));
        want.put("New Kubernetes Service Account Created", List.of(7));
        want.put("Kubernetes Events Deleted", List.of(8));
        want.put("Kubernetes Unauthorized or Unauthenticated Access", List.of(9));
        want.put("Kubernetes Secrets Modified or Deleted", List.of(10));
        assertEquals(want, alerts(o));
        assertTrue(o.out().contains("\"sigma_id\":\"eeb3e9e1-b685-44e4-9232-6bb701f925b5\""), o.out());
        assertTrue(o.out().contains("\"priority\":\"Notice\""), o.out());   // low
        Kaudit.Outcome sarif = Kaudit.run("scan", "-q", "-f", "sarif", "-r", SIGMAHQ.toString(), log.toString());
        assertTrue(sarif.out().contains("\"ruleId\" : \"eeb3e9e1-b685-44e4-9232-6bb701f925b5\""), sarif.out());
    }

    @Test
    void modifiersAndConditions() throws IOException {
        Path rules = dir.resolve("m.yml");
        Files.writeString(rules, """
                title: t-contains-all
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {userAgent|contains|all: [kube, '/1.30']}
                    condition: s
                level: high
                ---
                title: t-wildcard-escape
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {objectRef.name: 'a\\*b?'}
                    condition: s
                ---
                title: t-re-i
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {user.username|re|i: '^ADMIN-[0-9]+$'}
                    condition: s
                ---
                title: t-cidr-not
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {sourceIPs|cidr: 10.0.0.0/8}
                    f: {verb: get}
                    condition: s and not f
                ---
                title: t-null-exists
                logsource: {product: kubernetes, service: audit}
                detection:
                    s1: {objectRef.namespace: null}
                    s2: {objectRef.name|exists: true}
                    condition: all of s*
                ---
                title: t-one-of-them-cased-gt
                logsource: {product: kubernetes, service: audit}
                detection:
                    a: {user.username|cased: Bob}
                    b: {responseStatus.code|gte: 500}
                    condition: 1 of them
                ---
                title: t-base64offset
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {requestURI|base64offset|contains: 'secret'}
                    condition: s
                ---
                title: t-windash
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {requestURI|windash|contains: ' -it '}
                    condition: s
                """);
        String b64 = java.util.Base64.getEncoder().encodeToString("xmy secret!".getBytes());
        List<String> lines = List.of(
                event(1, "admin-7", "get", "pods", null, "").replace("kubectl/v1.30", "kubectl/1.30"),     // re-i, contains|all
                event(2, "ADMIN-x", "list", "pods", "ns", ""),                                            // cidr-not
                event(3, "Bob", "get", "pods", null, "").replace("\"resource\":\"pods\"", "\"resource\":\"pods\",\"name\":\"a*bc\""),
                event(4, "bob", "get", "pods", null, "").replace("\"resource\":\"pods\"", "\"resource\":\"pods\",\"name\":\"axbc\"")
                        .replace("\"code\":200", "\"code\":503"),
                event(5, "x", "get", "pods", "ns", "").replace("/api/v1/x", "/api/v1/x?q=" + b64),
                event(6, "x", "get", "pods", "ns", "").replace("/api/v1/x", "/run \u2013it sh"));
        Path log = dir.resolve("m.log");
        Files.write(log, lines);
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", rules.toString(), log.toString());
        assertEquals(0, o.code(), o.err());
        Map<String, List<Integer>> want = new TreeMap<>();
        want.put("t-contains-all", List.of(1));
        want.put("t-re-i", List.of(1));
        want.put("t-cidr-not", List.of(2));
        want.put("t-wildcard-escape", List.of(3));
        want.put("t-null-exists", List.of(3, 4));
        want.put("t-one-of-them-cased-gt", List.of(3, 4));
        want.put("t-base64offset", List.of(5));
        want.put("t-windash", List.of(6));
        assertEquals(want, alerts(o));
    }

    @Test
    void unknownFieldIsALoadErrorNamingFileRuleAndField() throws IOException {
        Path rules = dir.resolve("bad.yml");
        Files.writeString(rules, "title: bad one\nlogsource: {product: kubernetes, service: audit}\n"
                + "detection:\n    s: {nosuchfield: x}\n    condition: s\n");
        Kaudit.Outcome o = Kaudit.run("rules", "check", rules.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("bad.yml:4") && o.err().contains("'bad one'") && o.err().contains("nosuchfield"),
                o.err());
        Path mapping = dir.resolve("map.yml");
        Files.writeString(mapping, "name: mine\ntransformations:\n  - id: f\n    type: field_name_mapping\n    mapping:\n"
                + "      nosuchfield: objectRef.name\n");
        assertEquals(0, Kaudit.run("rules", "check", "--sigma-mapping", mapping.toString(), rules.toString()).code());
        // a mapping file that is no YAML: one line with its line and column, as for a rules file
        Files.writeString(mapping, "name: mine\ntransformations: [\n");
        Kaudit.Outcome broken = Kaudit.run("rules", "check", "--sigma-mapping", mapping.toString(), rules.toString());
        assertEquals(2, broken.code());
        assertEquals(List.of("kaudit: invalid rules: " + mapping + ":3:1: YAML syntax error: expected the node content, but found '<stream end>'"),
                broken.err().lines().toList(), broken.err());
    }

    @Test
    void correlationsAreTheSameWithOneOrTwoThreadsAndOutOfOrderWithinTheSlack() throws IOException {
        Path rules = dir.resolve("c.yml");
        Files.writeString(rules, """
                title: list by someone
                name: listed
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {verb: list}
                    condition: s
                ---
                title: many lists
                correlation:
                    type: event_count
                    rules: [listed]
                    group-by: [user.username]
                    timespan: 2m
                    condition: {gte: 3}
                level: high
                """);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String user = "u" + (i % 7);
            lines.add(event(i / 30, user, i % 3 == 0 ? "get" : "list", "pods", "ns", ""));
        }
        Path log = dir.resolve("c.log");
        Files.write(log, lines);
        List<String> shuffled = new ArrayList<>(lines);
        java.util.Collections.swap(shuffled, 10, 400);   // 13 s apart: within the slack
        java.util.Collections.swap(shuffled, 1000, 1300);
        Path late = dir.resolve("late.log");
        Files.write(late, shuffled);
        Kaudit.Outcome one = Kaudit.run("scan", "-q", "-f", "jsonl", "--threads", "1", "-r", rules.toString(), log.toString());
        Kaudit.Outcome two = Kaudit.run("scan", "-q", "-f", "jsonl", "--threads", "2", "-r", rules.toString(), log.toString());
        Kaudit.Outcome ooo = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", rules.toString(), late.toString());
        assertEquals(0, one.code(), one.err());
        assertEquals(one.out(), two.out());
        // independent count: per user, events in time order, fire at each third within 2 minutes (here always)
        long lists = lines.stream().filter(l -> l.contains("\"verb\":\"list\"")).count();
        Map<String, List<Integer>> a = alerts(one);
        assertEquals(List.of("many lists"), List.copyOf(a.keySet()));
        long expected = 0;
        for (int u = 0; u < 7; u++) {
            String user = "\"u" + u + "\"";
            long n = lines.stream().filter(l -> l.contains(user) && l.contains("\"verb\":\"list\"")).count();
            expected += n / 3;
        }
        assertTrue(lists > 0);
        assertEquals(expected, a.get("many lists").size());
        assertEquals(a.get("many lists").size(), alerts(ooo).get("many lists").size());
        assertTrue(one.out().contains("\"correlation\":{\"type\":\"event_count\",\"group_by\":{\"user.username\":"),
                one.out());
    }

    @Test
    void bundledCorrelationsFireOnTheirSamplesAndStayQuietOnTheBenignOnes() throws IOException {
        List<Path> samples;
        try (var s = Files.list(Path.of("samples"))) {
            samples = s.filter(p -> p.getFileName().toString().startsWith("corr-")).sorted().toList();
        }
        assertEquals(12, samples.size(), samples.toString());
        for (Path p : samples) {
            Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", "rules/kaudit_correlations.yml", p.toString());
            assertEquals(0, o.code(), o.err());
            long correlations = o.out().lines().filter(l -> l.contains("\"correlation\":{")).count();
            long all = o.out().lines().filter(l -> !l.isBlank()).count();
            assertEquals(correlations, all, p + ": feeders alerted on their own: " + o.out());
            assertEquals(p.toString().endsWith("-benign.log") ? 0 : 1, correlations, p + ": " + o.out());
        }
    }
}
