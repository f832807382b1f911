package io.kaudit.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import io.kaudit.engine.Engine;
import io.kaudit.engine.Selection;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy that names many users, namespaces and resources: every combination of them is a request
 * the policy may tell apart, tens of millions per rule that fixes none of them (40 users, 40
 * namespaces, 150 resources in 8 groups). Checking it took minutes when each was decided against
 * every policy rule; values every policy rule treats alike are now probed once, with the same
 * verdicts, causes, examples and counts as probing them one by one.
 */
class CoverageScaleTest {
    private static final String[] LEVELS = {"None", "Metadata", "Request", "RequestResponse"};

    /**
     * An audit policy as teams write them: per API group, rules for a window of the users and the
     * namespaces, listing every resource of the group (some with subresources), around rules on
     * groups, names and URLs.
     */
    static String policy(int users, int namespaces, int resources) {
        StringBuilder b = new StringBuilder("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\n"
                + "rules:\n"
                + "- level: None\n  users: [\"system:kube-proxy\"]\n  verbs: [watch]\n"
                + "- level: None\n  nonResourceURLs: [\"/healthz*\", \"/version\"]\n"
                + "- level: Metadata\n  userGroups: [\"system:nodes\", \"team-a\"]\n  verbs: [get, list]\n"
                + "- level: Request\n  resources:\n  - group: \"\"\n"
                + "    resources: [\"pods/exec\", \"pods/log\", \"*/status\", \"secrets\", \"configmaps\"]\n"
                + "    resourceNames: [\"cm1\", \"kube-root-ca.crt\"]\n"
                + "- level: None\n  namespaces: [\"kube-system\"]\n  resources:\n  - group: \"\"\n"
                + "    resources: [\"pods/*\", \"endpoints\"]\n");
        String[] groups = {"", "apps", "batch", "example.io", "widgets.example.com", "rbac.authorization.k8s.io",
                "storage.k8s.io", "team.example.org"};
        for (int k = 0; k < 2 * groups.length; k++) {
            String group = groups[k % groups.length];
            b.append("- level: ").append(LEVELS[k % LEVELS.length]).append('\n');
            b.append("  users: ").append(list("system:serviceaccount:team", ":deployer", k * users / 20, users / 2, users))
                    .append('\n');
            if (k % 3 != 0) {
                b.append("  namespaces: ").append(list("team-namespace-", "", k * namespaces / 20, namespaces / 2,
                        namespaces)).append('\n');
            }
            if (k == 5) {
                b.append("  omitStages: [ResponseStarted]\n");
            }
            b.append("  resources:\n  - group: \"").append(group).append("\"\n    resources: [");
            for (int r = k % 2; r < resources; r += 1 + k % 2) {
                b.append(r == k % 2 ? "" : ", ").append(group.isEmpty() ? "things" : "widgets").append(r)
                        .append(r % 7 == 3 ? "/status" : "");
            }
            b.append(k == 4 ? ", deployments/*, pods/exec]\n" : "]\n");
        }
        b.append("- level: Metadata\n");
        return b.toString();
    }

    /** {@code count} of {@code total} names from {@code from} on, wrapping. */
    private static String list(String prefix, String suffix, int from, int count, int total) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add('"' + prefix + ((from + i) % total) + suffix + '"');
        }
        return "[" + String.join(", ", out) + "]";
    }

    private static List<Rule> rules(Path rules) throws Exception {
        RuleSet set = new RuleLoader().load(rules).compile();
        Engine engine = new Engine(set, Selection.defaults());
        List<String> correlations = engine.correlations().stream().map(c -> c.rule().name()).toList();
        return engine.activeRules().stream().filter(r -> !correlations.contains(r.name())).toList();
    }

    private static Rule anyAllowedRequest() throws Exception {
        return new RuleLoader().load("any.yaml", """
                - rule: Allowed request
                  desc: any allowed request
                  condition: ka.auth.decision = allow
                  output: allowed %ka.verb by %ka.user.name
                  priority: INFO
                  source: k8s_audit
                """).compile().rules().get(0);
    }

    @Test
    void aPolicyNamingManyUsersNamespacesAndResourcesChecksInSeconds(@TempDir Path dir) throws Exception {
        String text = policy(40, 40, 150);
        assertTrue(text.length() > 40_000, "policy of " + text.length() + " characters");
        Path file = Files.writeString(dir.resolve("big.yaml"), text);
        // some 2 s on 2 cores; it took minutes when every request was decided on its own
        Kaudit.Outcome o = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> Kaudit.run("policy", "check", "-r", "rules", file.toString()));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("blind") && o.out().matches("(?s).*\\(\\+\\d{7,} like it\\).*"), o.out());
    }

    /** One probe stands for the requests the policy cannot tell apart: the same verdict, far fewer decisions. */
    @Test
    void requestsThePolicyTreatsAlikeAreDecidedOnce() throws Exception {
        AuditPolicy policy = AuditPolicy.parse("big.yaml", new StringReader(policy(40, 40, 150)));
        Rule any = anyAllowedRequest();
        long[] requests = new long[1];
        new Coverage(policy, true).probesOneByOne(RuleNeeds.of(any), p -> requests[0]++);
        Coverage alike = new Coverage(policy);
        Coverage.Verdict v = alike.check(any);
        assertTrue(requests[0] > 100_000_000 && alike.decisions() * 100 < requests[0],
                alike.decisions() + " decisions for " + requests[0] + " requests");
        assertEquals(requests[0], v.causes().stream().mapToLong(Coverage.Cause::requests).sum(),
                "every request is counted (a rule that reads no body is cut only by level None here)");
    }

    /** Verdicts, causes, their examples and counts are those of probing every request on its own. */
    @Test
    void verdictsAreThoseOfProbingOneByOne() throws Exception {
        List<AuditPolicy> policies = new ArrayList<>();
        policies.add(AuditPolicy.parse("small.yaml", new StringReader(policy(6, 5, 12))));
        policies.add(AuditPolicy.read(Shared.require("conformance/falco/rules/audit-policy.yaml")));
        try (Stream<Path> s = Files.list(Shared.require("corpus/policies"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                policies.add(AuditPolicy.read(p));
            }
        }
        List<Rule> rules = new ArrayList<>(rules(Path.of("rules")));
        rules.addAll(rules(Shared.require("conformance/falco/rules/k8s_audit_rules.yaml")));
        rules.add(anyAllowedRequest());
        int causes = 0;
        for (AuditPolicy policy : policies) {
            Coverage alike = new Coverage(policy);
            Coverage oneByOne = new Coverage(policy, true);
            for (Rule r : rules) {
                Coverage.Verdict v = alike.check(r);
                assertEquals(oneByOne.check(r), v, policy.file() + ": " + r.name());
                causes += v.causes().size();
            }
        }
        assertTrue(causes > 500, causes + " causes compared");
    }
}
