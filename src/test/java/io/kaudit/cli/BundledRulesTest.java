package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The project's own rules (rules/) against the project's own samples (samples/) and Falco's traces. */
class BundledRulesTest {
    private static final Pattern RULE = Pattern.compile("\"rule\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern MITRE_TECHNIQUE = Pattern.compile("T\\d{4}(\\.\\d{3})?");

    static RuleSet bundled() throws Exception {
        RuleLoader loader = new RuleLoader();
        BundledRules.load(loader);
        return loader.compile();
    }

    private static Set<String> rulesFired(String... args) {
        List<String> all = new ArrayList<>(List.of("scan", "-q", "-f", "jsonl"));
        all.addAll(List.of(args));
        Kaudit.Outcome o = Kaudit.run(all.toArray(String[]::new));
        // a trace holding no audit event (fal_01_003: {"kind": 0}) is exit 2 since issue #20.6
        assertTrue(o.code() == 0 || o.code() == 2 && o.err().contains("no audit events read"), o.err());
        Set<String> fired = new TreeSet<>();
        for (String l : o.lines()) {
            Matcher m = RULE.matcher(l);
            if (m.find()) {
                fired.add(m.group(1));
            }
        }
        return fired;
    }

    @Test
    void bundledRulesLoadWithoutWarningsAndCarryMitreTags() throws Exception {
        RuleSet set = bundled();
        assertEquals(List.of(), set.warnings());
        assertTrue(set.rules().size() >= 30, "rules: " + set.rules().size());
        for (Rule r : set.rules()) {
            assertTrue(r.tags().stream().anyMatch(t -> MITRE_TECHNIQUE.matcher(t).matches()),
                    r.name() + " has no ATT&CK technique tag");
            assertTrue(r.tags().stream().anyMatch(t -> t.startsWith("mitre_")), r.name() + " has no ATT&CK tactic tag");
            // only the activity trail ("somebody did something") is off by default, at Informational
            assertEquals(!r.tags().contains("activity"), r.enabled(), r.name());
            if (!r.enabled()) {
                assertEquals(io.kaudit.rule.Priority.INFORMATIONAL, r.priority(), r.name());
            }
        }
    }

    @Test
    void everyBundledRuleFiresOnTheSamples() throws Exception {
        Set<String> fired = rulesFired("samples");
        Set<String> activity = rulesFired("--tag", "activity", "samples");
        assertTrue(activity.contains("Unexpected User Activity") && !activity.contains("Secret Read"), activity.toString());
        assertTrue(fired.stream().noneMatch(activity::contains), "activity rules are off by default: " + fired);
        fired.addAll(activity);
        // a rule that only feeds correlations never alerts on its own: it is exercised by the correlation counting it
        for (io.kaudit.rule.sigma.Correlation c : bundled().correlations()) {
            if (fired.contains(c.rule().name())) {
                fired.addAll(c.rules());
            }
        }
        Set<String> missing = new TreeSet<>();
        for (Rule r : bundled().rules()) {
            if (!fired.contains(r.name())) {
                missing.add(r.name());
            }
        }
        assertEquals(Set.of(), missing, "rules without a sample event that triggers them");
    }

    @Test
    void benignBusyClusterIsSilent() {
        Path busy = Path.of("samples", "busy-cluster.log");
        assertTrue(Files.exists(busy));
        assertEquals(Set.of(), rulesFired(busy.toString()));
    }

    @Test
    void eachAttackSampleRaisesWhatItsNameSays() {
        assertTrue(rulesFired("samples/aws-creds-configmap.log").contains("Credentials Stored in ConfigMap"));
        assertTrue(rulesFired("samples/privileged-pod.log").contains("Privileged Container Started"));
        assertTrue(rulesFired("samples/exec-into-pod.log").contains("Interactive Shell Exec Into Pod"));
        assertTrue(rulesFired("samples/cluster-admin-binding.log").contains("Binding to cluster-admin"));
        assertTrue(rulesFired("samples/anonymous-access.log").contains("Anonymous Request Allowed"));
    }

    /**
     * Wherever Falco's own rules alert on one of its regression traces, kaudit's rules alert too: by
     * default where upstream says more than Informational, and with the activity trail turned on
     * (--tag activity) where upstream only records that an object was created or deleted.
     */
    @Test
    void detectsEveryTraceUpstreamRulesDetect() throws IOException {
        Path traces = Shared.require("conformance/falco/traces");
        String upstream = Shared.FALCO.resolve("rules/k8s_audit_rules.yaml").toString();
        List<String> missed = new ArrayList<>();
        int detected = 0;
        int activityOnly = 0;
        try (Stream<Path> s = Files.list(traces)) {
            for (Path t : s.sorted().toList()) {
                if (rulesFired("-r", upstream, t.toString()).isEmpty()) {
                    continue;
                }
                detected++;
                boolean aboveInfo = !rulesFired("-r", upstream, "--min-priority", "notice", t.toString()).isEmpty();
                if (!rulesFired(t.toString()).isEmpty()) {
                    continue;
                }
                if (!aboveInfo && !rulesFired("--tag", "activity", t.toString()).isEmpty()) {
                    activityOnly++;
                    continue;
                }
                missed.add(t.getFileName().toString());
            }
        }
        assertTrue(detected > 35, "upstream detected " + detected);
        assertTrue(activityOnly < detected / 2, "activity only: " + activityOnly);
        assertEquals(List.of(), missed);
    }
}
