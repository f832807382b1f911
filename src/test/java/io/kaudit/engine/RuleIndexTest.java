package io.kaudit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Shared;
import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule index may only skip rules that cannot match: over real events, the rules the indexed
 * engine reports must be exactly those found by testing every rule.
 */
class RuleIndexTest {

    @Test
    void bundledRulesMatchAsWithoutTheIndex() throws Exception {
        RuleLoader loader = new RuleLoader();
        loader.load(Path.of("rules/kaudit_rules.yaml"));
        int matched = compare(loader.compile(), events(Path.of("samples")));
        assertTrue(matched > 20, "the samples should make the bundled rules fire, got " + matched);
    }

    @Test
    void falcoRulesMatchAsWithoutTheIndex() throws Exception {
        Path rules = Shared.require("conformance/falco/rules/k8s_audit_rules.yaml");
        RuleLoader loader = new RuleLoader();
        loader.load(rules);
        int matched = compare(loader.compile(), tracesAndSamples());
        assertTrue(matched > 20, "Falco's traces should make its rules fire, got " + matched);
    }

    @Test
    void theTreeSplitsOnMoreThanOneField() throws Exception {
        RuleLoader loader = new RuleLoader();
        loader.load(Path.of("rules/kaudit_rules.yaml"));
        RuleSet set = loader.compile();
        List<Rule> rules = set.rules().stream().filter(Rule::enabled).toList();
        RuleIndex index = new RuleIndex(rules, set.slots());
        assertEquals("ka.target.resource", index.keyField());
        // a read of a pod tries fewer rules than the rule set holds, a create of a pod more than a read
        List<AuditEvent> reads = decode("{\"kind\":\"Event\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
                + "\"objectRef\":{\"resource\":\"pods\"},\"user\":{\"username\":\"u\"},\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}");
        List<AuditEvent> creates = decode("{\"kind\":\"Event\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
                + "\"objectRef\":{\"resource\":\"pods\"},\"user\":{\"username\":\"u\"},\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}");
        int read = index.candidates(reads.get(0)).length;
        int create = index.candidates(creates.get(0)).length;
        assertTrue(read < create && create < rules.size(), "read " + read + ", create " + create + " of " + rules.size());
    }

    @Test
    void sigmaRulesMatchAsWithoutTheIndex() throws Exception {
        Path sigma = Shared.require("conformance/sigma/rules");
        RuleLoader loader = new RuleLoader();
        try (Stream<Path> files = Files.list(sigma)) {
            for (Path f : files.sorted().toList()) {
                loader.load(f);
            }
        }
        loader.load(Path.of("rules/kaudit_correlations.yml"));
        int matched = compare(loader.compile(), tracesAndSamples());
        assertTrue(matched > 20, "the traces and samples should make the Sigma rules fire, got " + matched);
    }

    /**
     * Sigma's plain values match ignoring case and through arrays; the index splits on them as on
     * Falco's {@code =}, so every way an event's text can differ from the lower-case value and still
     * match must reach the rule, while a plain other value must not.
     */
    @Test
    void sigmaPlainValuesReachTheirRuleHoweverTheEventSpellsThem() throws Exception {
        RuleLoader loader = new RuleLoader();
        loader.load("sigma.yml", """
                title: Pod Created In The System Namespace
                logsource: {product: kubernetes, service: audit}
                detection:
                  selection:
                    verb: create
                    objectRef.resource: [pods, Deployments]
                    objectRef.namespace: kube-system
                  condition: selection
                level: high
                """);
        loader.load("sigma2.yml", """
                title: Forbidden
                logsource: {product: kubernetes, service: audit}
                detection:
                  selection:
                    responseStatus.code: 403
                  condition: selection
                level: low
                """);
        loader.load("sigma3.yml", """
                title: Secret Deleted
                logsource: {product: kubernetes, service: audit}
                detection:
                  selection:
                    verb: delete
                    objectRef.resource: secrets
                  condition: selection
                level: low
                """);
        RuleSet set = loader.compile();
        String[] matching = {
            event("\"verb\":\"create\"", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", ""),
            event("\"verb\":\"CREATE\"", "{\"resource\":\"Pods\",\"namespace\":\"KUBE-system\"}", ""),
            event("\"verb\":\"create\"", "{\"resource\":\"deployments\",\"namespace\":\"kube-system\"}", ""),
            event("\"verb\":[\"get\",\"create\"]", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", ""),
            event("\"verb\":\"create\"", "[{\"resource\":\"pods\",\"namespace\":\"kube-system\"}]", ""),
            event("\"verb\":\"create\"", "{\"resource\":[\"nodes\",\"pods\"],\"namespace\":\"kube-system\"}", ""),
            event("\"verb\":\"create\"", "{\"resource\":\"pods\",\"namespace\":\"\u212Aube-system\"}", ""),
            event("\"verb\":\"cr\\u0065ate\"", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", ""),
            event("\"verb\":\"create\"", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", "").replace("\"auditID\":\"a\",", ""),
            event("\"verb\":\"get\"", "{\"resource\":\"leases\"}", ",\"responseStatus\":{\"code\":403}"),
            event("\"verb\":\"get\"", "{\"resource\":\"leases\"}", ",\"responseStatus\":[{\"code\":\"403\"}]"),
        };
        String[] other = {
            event("\"verb\":\"get\"", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", ",\"responseStatus\":{\"code\":200}"),
            event("\"verb\":\"create\"", "{\"resource\":\"pods\",\"namespace\":\"default\"}", ""),
            event("\"verb\":\"created\"", "{\"resource\":\"pods\",\"namespace\":\"kube-system\"}", ""),
        };
        List<AuditEvent> events = new ArrayList<>();
        for (String line : matching) {
            events.addAll(decode(line, set.projection()));
        }
        assertEquals(matching.length, compare(set, events), "each of these events matches one rule");
        Engine engine = new Engine(set, Selection.defaults());
        RuleIndex index = new RuleIndex(engine.activeRules(), set.slots());
        for (String line : other) {
            AuditEvent e = decode(line, set.projection()).get(0);   // as scan decodes: only what the rules read
            assertEquals(0, compare(set, List.of(e)), line);
            assertTrue(index.candidates(e).length < 3, () -> "a plain other value is split off: " + line);
        }
    }

    private static String event(String verb, String objectRef, String more) {
        return "{\"kind\":\"Event\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\"," + verb + ",\"objectRef\":" + objectRef
                + ",\"user\":{\"username\":\"u\"},\"stageTimestamp\":\"2026-01-01T00:00:00Z\"" + more + "}";
    }

    /** Runs every event through the indexed engine and through all rules; returns how many rules matched. */
    private static int compare(RuleSet set, List<AuditEvent> events) {
        Engine engine = new Engine(set, Selection.defaults());
        int matched = 0;
        for (AuditEvent e : events) {
            List<Rule> indexed = new ArrayList<>();
            engine.match(e, indexed);
            List<Rule> all = new ArrayList<>();
            for (Rule r : engine.activeRules()) {
                if (r.condition().test(e)) {
                    all.add(r);
                }
            }
            assertEquals(names(all), names(indexed), () -> "event " + e.root().string("auditID"));
            matched += all.size();
        }
        return matched;
    }

    private static List<String> names(List<Rule> rules) {
        return rules.stream().map(Rule::name).toList();
    }

    /** The events of Falco's regression traces, then of the samples. */
    private static List<AuditEvent> tracesAndSamples() throws IOException {
        List<AuditEvent> events = events(Shared.FALCO.resolve("traces"));
        events.addAll(events(Path.of("samples")));
        return events;
    }

    private static List<AuditEvent> events(Path dir) throws IOException {
        List<AuditEvent> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        out.addAll(decode(line));
                    }
                }
            }
        }
        return out;
    }

    private static List<AuditEvent> decode(String line) {
        return decode(line, Projection.ALL);
    }

    private static List<AuditEvent> decode(String line, Projection projection) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return new EnvelopeDecoder(projection).decode(b, 0, b.length, "test", 1).events();
    }
}
