package io.kaudit.policy;

import io.kaudit.policy.AuditPolicy.Level;
import io.kaudit.rule.Rule;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A minimal audit policy for a set of rules: noisy read-only traffic (leases, endpoints, event
 * reads, health URLs) at None wherever no rule loses by it, bodies only for what rules read
 * (RequestResponse or Request, for their verbs and resources), Metadata for the rest, and the
 * stages no rule waits for omitted.
 */
public final class PolicySuggester {
    /** Who makes the noise: nodes, service accounts and control-plane components (people stay recorded). */
    private static final List<String> SCOPES = List.of(
            "  userGroups: [system:nodes, system:serviceaccounts]\n",
            "  users: [system:kube-controller-manager, system:kube-scheduler, system:kube-proxy, system:apiserver]\n");

    private static final List<String> NOISE = noise();

    private static List<String> noise() {
        List<String> out = new java.util.ArrayList<>();
        String[][] scoped = {
            {"# Leader-election and node heartbeat leases: the bulk of a quiet cluster's requests.\n",
             "  verbs: [get, list, watch, update, patch]\n  resources:\n  - group: coordination.k8s.io\n    resources: [leases]\n"},
            {"# Reads of endpoints by kube-proxy, DNS and ingress controllers.\n",
             "  verbs: [get, list, watch]\n  resources:\n  - group: \"\"\n    resources: [endpoints]\n"
                 + "  - group: discovery.k8s.io\n    resources: [endpointslices]\n"},
            {"# Reads of Kubernetes events by the system (writes and deletes stay recorded).\n",
             "  verbs: [get, list, watch]\n  resources:\n  - group: \"\"\n    resources: [events]\n"
                 + "  - group: events.k8s.io\n    resources: [events]\n"}};
        for (String[] n : scoped) {
            StringBuilder b = new StringBuilder(n[0]);
            for (String scope : SCOPES) {
                b.append("- level: None\n").append(scope).append(n[1]);
            }
            out.add(b.toString());
        }
        out.add("# Health, version and discovery-document probes.\n- level: None\n"
                + "  nonResourceURLs: [/healthz*, /livez*, /readyz*, /version, /openapi/*]\n");
        return out;
    }

    private PolicySuggester() {
    }

    /** The policy text (YAML) for {@code rules}; {@code policy check} finds no rule blind under it. */
    public static String suggest(List<Rule> rules) {
        List<RuleNeeds> needs = rules.stream().map(RuleNeeds::of).toList();
        Set<String> stages = new TreeSet<>();
        for (RuleNeeds n : needs) {
            Set<String> s = n.get(RuleNeeds.STAGE);
            stages.addAll(s == null ? List.of("RequestReceived", "ResponseStarted", "ResponseComplete") : s);
        }
        Set<String> omit = new LinkedHashSet<>();
        for (String s : List.of("RequestReceived", "ResponseStarted")) {
            if (!stages.contains(s)) {
                omit.add(s);
            }
        }
        String bodies = bodyRules(needs);
        String catchAll = """
                # Everything else: who did what to which object, without bodies.
                - level: Metadata
                """;
        List<String> noise = new ArrayList<>();
        Map<Rule, Coverage.Status> before = statuses(text(omit, noise, bodies, catchAll), rules);
        for (String candidate : NOISE) {
            List<String> with = new ArrayList<>(noise);
            with.add(candidate);
            if (harmless(before, statuses(text(omit, with, bodies, catchAll), rules), needs)) {
                noise = with;
            }
        }
        return text(omit, noise, bodies, catchAll);
    }

    /**
     * Whether dropping noise leaves every rule as it was, but for rules about any resource at all
     * (impersonation, anonymous access), which may lose the noise itself and stay partly covered.
     */
    private static boolean harmless(Map<Rule, Coverage.Status> before, Map<Rule, Coverage.Status> after,
                                    List<RuleNeeds> needs) {
        for (RuleNeeds n : needs) {
            Coverage.Status was = before.get(n.rule());
            Coverage.Status now = after.get(n.rule());
            if (was == now) {
                continue;
            }
            if (now == Coverage.Status.BLIND || n.get(RuleNeeds.RESOURCE) != null) {
                return false;
            }
        }
        return true;
    }

    private static Map<Rule, Coverage.Status> statuses(String text, List<Rule> rules) {
        Coverage c = new Coverage(parse(text));
        Map<Rule, Coverage.Status> out = new java.util.IdentityHashMap<>();
        for (Rule r : rules) {
            out.put(r, c.check(r).status());
        }
        return out;
    }

    static AuditPolicy parse(String text) {
        try {
            return AuditPolicy.parse("(suggested)", new StringReader(text));
        } catch (PolicyException e) {
            throw new IllegalStateException("suggested policy does not parse: " + e.getMessage() + "\n" + text, e);
        }
    }

    private static String text(Set<String> omit, List<String> noise, String bodies, String catchAll) {
        StringBuilder b = new StringBuilder();
        b.append("# Audit policy suggested by kaudit for the rules it was given: every rule sees what it reads.\n");
        b.append("apiVersion: audit.k8s.io/v1\nkind: Policy\n");
        if (!omit.isEmpty()) {
            b.append("# No rule waits for these stages.\n");
            b.append("omitStages: [").append(String.join(", ", omit)).append("]\n");
        }
        b.append("omitManagedFields: true\n");
        b.append("rules:\n");
        for (String n : noise) {
            b.append(n);
        }
        b.append(bodies);
        b.append(catchAll);
        return b.toString();
    }

    /** RequestResponse and Request rules for the rules that read bodies, merged by level and verbs. */
    private static String bodyRules(List<RuleNeeds> needs) {
        // (level, verbs) -> group -> resource forms; and the rule names they serve
        Map<String, Map<String, Set<String>>> merged = new LinkedHashMap<>();
        Map<String, Set<String>> served = new LinkedHashMap<>();
        boolean everything = false;
        Level everythingLevel = Level.Metadata;
        List<RuleNeeds> sorted = new ArrayList<>(needs);
        sorted.sort((a, b) -> b.level().compareTo(a.level()));
        for (RuleNeeds n : sorted) {
            if (n.level() == Level.Metadata) {
                continue;
            }
            Set<String> rs = n.get(RuleNeeds.RESOURCE);
            if (rs == null || rs.isEmpty() || rs.contains("")) {
                everything = true;
                everythingLevel = n.level().compareTo(everythingLevel) > 0 ? n.level() : everythingLevel;
                continue;
            }
            Set<String> vs = n.get(RuleNeeds.VERB);
            String key = n.level() + "|" + (vs == null ? "" : String.join(", ", new TreeSet<>(vs)));
            Set<String> subs = n.get(RuleNeeds.SUBRESOURCE);
            if (rs.stream().anyMatch(r -> !Coverage.GROUPS.containsKey(r))) {
                everything = true;   // a resource of an API group not known here: record bodies everywhere
                everythingLevel = n.level().compareTo(everythingLevel) > 0 ? n.level() : everythingLevel;
                continue;
            }
            for (String r : rs) {
                String group = Coverage.GROUPS.get(r);
                Coverage.addForms(merged.computeIfAbsent(key, k -> new LinkedHashMap<>())
                        .computeIfAbsent(group == null ? "" : group, k -> new TreeSet<>()), r, subs);
            }
            served.computeIfAbsent(key, k -> new TreeSet<>()).add(n.rule().name());
        }
        StringBuilder b = new StringBuilder();
        if (everything) {
            b.append("# Some rules read bodies of any resource.\n- level: ").append(everythingLevel).append('\n');
            return b.toString();
        }
        merged.forEach((key, byGroup) -> {
            String[] lv = key.split("\\|", -1);
            b.append("# For ").append(String.join("; ", served.get(key))).append('\n');
            b.append("- level: ").append(lv[0]).append('\n');
            if (!lv[1].isEmpty()) {
                b.append("  verbs: [").append(lv[1]).append("]\n");
            }
            b.append("  resources:\n");
            byGroup.forEach((g, forms) -> {
                b.append("  - group: \"").append(g).append("\"\n");
                b.append("    resources: [").append(String.join(", ", forms)).append("]\n");
            });
        });
        return b.toString();
    }
}
