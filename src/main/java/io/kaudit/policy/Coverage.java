package io.kaudit.policy;

import io.kaudit.policy.AuditPolicy.Decision;
import io.kaudit.policy.AuditPolicy.GroupResources;
import io.kaudit.policy.AuditPolicy.Level;
import io.kaudit.policy.AuditPolicy.PolicyRule;
import io.kaudit.policy.AuditPolicy.Request;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which rules an audit policy lets see the events they match. A policy only tells apart the
 * values it names (users, groups, verbs, resources, namespaces, names, URLs): every request is
 * decided like one made of named values and one unnamed stand-in per field. So each rule is
 * probed with every such request it can match (its own verbs, resources ... where its condition
 * fixes them): covered when every probe is recorded at the level and stages it needs, blind when
 * none is, partly blind otherwise.
 */
public final class Coverage {
    public enum Status {
        COVERED, PARTLY_BLIND, BLIND
    }

    /** The verdict for one rule; {@code causes} what cuts it, in the order first met. */
    public record Verdict(Rule rule, Status status, Level needs, Set<String> stages, List<Cause> causes,
                          String suggestion) {
    }

    /**
     * Why probes are not fully recorded, and by which policy rule (null: no rule matched, None): the
     * first such probe and how many there are. Kept per cause, not per probe: a rule that fixes
     * few fields is probed with every combination of the policy's values (hundreds of thousands
     * of requests under a large policy).
     */
    public record Cause(PolicyRule by, String why, Request example, int requests) {
    }

    static final List<String> VERBS = List.of("get", "list", "watch", "create", "update", "patch", "delete",
            "deletecollection");
    private static final String OTHER = "kaudit-probe";
    private static final Set<String> LONG_RUNNING = Set.of("exec", "attach", "portforward", "proxy");

    /** API group of well-known resources (the policy matches by group; rules name only the resource). */
    static final Map<String, String> GROUPS = new LinkedHashMap<>();
    /** Cluster-scoped resources (no namespace). */
    static final Set<String> CLUSTER_SCOPED = Set.of("namespaces", "nodes", "persistentvolumes", "clusterroles",
            "clusterrolebindings", "customresourcedefinitions", "storageclasses", "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings",
            "certificatesigningrequests", "priorityclasses", "apiservices", "podsecuritypolicies", "csidrivers",
            "csinodes", "runtimeclasses", "tokenreviews", "selfsubjectaccessreviews", "subjectaccessreviews",
            "selfsubjectrulesreviews", "ingressclasses", "volumeattachments", "componentstatuses");

    static {
        for (String r : List.of("pods", "services", "endpoints", "configmaps", "secrets", "serviceaccounts",
                "namespaces", "nodes", "persistentvolumes", "persistentvolumeclaims", "events", "replicationcontrollers",
                "limitranges", "resourcequotas", "podtemplates", "componentstatuses", "bindings")) {
            GROUPS.put(r, "");
        }
        for (String r : List.of("deployments", "daemonsets", "statefulsets", "replicasets", "controllerrevisions")) {
            GROUPS.put(r, "apps");
        }
        for (String r : List.of("jobs", "cronjobs")) {
            GROUPS.put(r, "batch");
        }
        for (String r : List.of("roles", "clusterroles", "rolebindings", "clusterrolebindings")) {
            GROUPS.put(r, "rbac.authorization.k8s.io");
        }
        for (String r : List.of("ingresses", "networkpolicies", "ingressclasses")) {
            GROUPS.put(r, "networking.k8s.io");
        }
        for (String r : List.of("mutatingwebhookconfigurations", "validatingwebhookconfigurations",
                "validatingadmissionpolicies", "validatingadmissionpolicybindings")) {
            GROUPS.put(r, "admissionregistration.k8s.io");
        }
        GROUPS.put("certificatesigningrequests", "certificates.k8s.io");
        GROUPS.put("leases", "coordination.k8s.io");
        GROUPS.put("endpointslices", "discovery.k8s.io");
        GROUPS.put("customresourcedefinitions", "apiextensions.k8s.io");
        GROUPS.put("apiservices", "apiregistration.k8s.io");
        GROUPS.put("storageclasses", "storage.k8s.io");
        GROUPS.put("volumeattachments", "storage.k8s.io");
        GROUPS.put("csidrivers", "storage.k8s.io");
        GROUPS.put("csinodes", "storage.k8s.io");
        GROUPS.put("priorityclasses", "scheduling.k8s.io");
        GROUPS.put("horizontalpodautoscalers", "autoscaling");
        GROUPS.put("poddisruptionbudgets", "policy");
        GROUPS.put("podsecuritypolicies", "policy");
        GROUPS.put("tokenreviews", "authentication.k8s.io");
        GROUPS.put("subjectaccessreviews", "authorization.k8s.io");
        GROUPS.put("selfsubjectaccessreviews", "authorization.k8s.io");
        GROUPS.put("selfsubjectrulesreviews", "authorization.k8s.io");
        GROUPS.put("runtimeclasses", "node.k8s.io");
    }

    private final AuditPolicy policy;
    private final Set<String> users = new LinkedHashSet<>();
    private final Set<String> groups = new LinkedHashSet<>();
    private final Set<String> verbs = new LinkedHashSet<>(VERBS);
    private final Set<String> namespaces = new LinkedHashSet<>();
    private final Set<String> names = new LinkedHashSet<>();
    private final Set<String> paths = new LinkedHashSet<>();
    /** Group -> resource -> subresources the policy names for it (plus "" and a stand-in). */
    private final Map<String, Map<String, Set<String>>> resources = new LinkedHashMap<>();
    private final Set<String> subresources = new LinkedHashSet<>();

    public Coverage(AuditPolicy policy) {
        this.policy = policy;
        users.add(OTHER);
        namespaces.add(OTHER);
        namespaces.add("");
        names.add(OTHER);
        paths.add("/" + OTHER);
        subresources.add(OTHER);
        for (PolicyRule p : policy.rules()) {
            users.addAll(p.users());
            groups.addAll(p.userGroups());
            verbs.addAll(p.verbs());
            namespaces.addAll(p.namespaces());
            for (String u : p.nonResourceURLs()) {
                String prefix = u.endsWith("*") ? u.substring(0, u.length() - 1) : u;
                paths.add(prefix.isEmpty() ? "/" : prefix);
                if (u.endsWith("*")) {
                    paths.add(prefix + OTHER);
                }
            }
            for (GroupResources g : p.resources()) {
                names.addAll(g.resourceNames());
                Map<String, Set<String>> byRes = resources.computeIfAbsent(g.group(), k -> new LinkedHashMap<>());
                for (String r : g.resources()) {
                    int slash = r.indexOf('/');
                    String res = slash < 0 ? r : r.substring(0, slash);
                    String sub = slash < 0 ? "" : r.substring(slash + 1);
                    if (!sub.equals("*") && !sub.isEmpty()) {
                        subresources.add(sub);
                    }
                    if (!res.equals("*")) {
                        byRes.computeIfAbsent(res, k -> new LinkedHashSet<>());
                    }
                }
            }
        }
        GROUPS.forEach((r, g) -> resources.computeIfAbsent(g, k -> new LinkedHashMap<>()).computeIfAbsent(r,
                k -> new LinkedHashSet<>()));
        resources.computeIfAbsent("", k -> new LinkedHashMap<>()).put(OTHER, new LinkedHashSet<>());
        resources.computeIfAbsent(OTHER + ".example.com", k -> new LinkedHashMap<>()).put(OTHER, new LinkedHashSet<>());
    }

    public AuditPolicy policy() {
        return policy;
    }

    public Verdict check(Rule rule) {
        RuleNeeds needs = RuleNeeds.of(rule);
        Set<String> ruleStages = needs.get(RuleNeeds.STAGE) == null ? new LinkedHashSet<>(AuditPolicy.STAGES)
                : new TreeSet<>(needs.get(RuleNeeds.STAGE));
        Findings findings = new Findings();
        probes(needs, p -> {
            Decision d = policy.decide(p);
            Set<String> produced = produced(p, ruleStages);
            if (produced.isEmpty()) {
                return;   // the rule waits for a stage this request never has
            }
            Level effective = p.isResource() ? d.level() : d.level() == Level.None ? Level.None : Level.Metadata;
            Set<String> kept = new LinkedHashSet<>(produced);
            kept.removeAll(d.omitStages());
            RuleNeeds.Effect effect = effective == Level.None ? RuleNeeds.Effect.NONE : needs.at(effective);
            if (!p.isResource() && needs.level() != Level.Metadata) {
                effect = needs.firesAtMetadata() ? RuleNeeds.Effect.CHANGED : RuleNeeds.Effect.NONE;
            }
            if (effective == Level.None) {
                findings.none(p, "not recorded (level None)", d.rule());
            } else if (kept.isEmpty()) {
                findings.none(p, "stage" + (produced.size() == 1 ? " " : "s ") + String.join(", ", produced)
                        + " omitted", d.rule());
            } else if (effect == RuleNeeds.Effect.NONE) {
                findings.none(p, "recorded at " + effective + "; the rule reads " + String.join(", ",
                        needs.bodyFields()) + " (needs " + needs.level() + ")", d.rule());
            } else if (effect == RuleNeeds.Effect.CHANGED || kept.size() < produced.size() && !rule.oncePerRequest()) {
                // a once-per-request rule alerts at whichever of its stages is kept: one is enough
                findings.partly(p, effect == RuleNeeds.Effect.CHANGED
                        ? "recorded at " + effective + " (needs " + needs.level() + "): the rule's result changes"
                        : "stage " + String.join(", ", minus(produced, kept)) + " omitted", d.rule());
            } else {
                findings.full++;
            }
        });
        Status status = findings.causes.isEmpty() ? Status.COVERED
                : findings.full == 0 && findings.partly == 0 ? Status.BLIND : Status.PARTLY_BLIND;
        String suggestion = status == Status.COVERED ? null : suggestion(needs, ruleStages);
        List<Cause> causes = findings.causes.values().stream()
                .map(c -> new Cause(c.by, c.why, c.example, c.requests)).toList();
        return new Verdict(rule, status, needs.level(), ruleStages, causes, suggestion);
    }

    /**
     * A correlation sees what the rules it counts see: an event_count or value_count is blind when
     * all of them are, a temporal one (it needs every rule) when any is; covered when all are. Its
     * causes are theirs, named by rule.
     */
    public Verdict check(io.kaudit.rule.sigma.Correlation c, Map<String, Verdict> counted) {
        boolean needsAll = c.type().startsWith("temporal");
        List<Verdict> feeders = new ArrayList<>();
        for (String name : new LinkedHashSet<>(c.rules())) {
            Verdict v = counted.get(name);
            if (v != null) {
                feeders.add(v);
            }
        }
        long blind = feeders.stream().filter(v -> v.status() == Status.BLIND).count();
        long covered = feeders.stream().filter(v -> v.status() == Status.COVERED).count();
        Status status = covered == feeders.size() ? Status.COVERED
                : (needsAll ? blind > 0 : blind == feeders.size()) ? Status.BLIND : Status.PARTLY_BLIND;
        Level level = Level.Metadata;
        Set<String> stages = new LinkedHashSet<>();
        List<Cause> causes = new ArrayList<>();
        List<String> suggestions = new ArrayList<>();
        for (Verdict v : feeders) {
            level = v.needs().atLeast(level) ? v.needs() : level;
            stages.addAll(v.stages());
            for (Cause x : v.causes()) {
                causes.add(new Cause(x.by(), "through '" + v.rule().name() + "': " + x.why(), x.example(), x.requests()));
            }
            if (v.suggestion() != null && !suggestions.contains(v.suggestion())) {
                suggestions.add(v.suggestion());
            }
        }
        return new Verdict(c.rule(), status, level, stages, causes,
                status == Status.COVERED ? null : String.join("", suggestions));
    }

    /** The probes of one rule counted: fully recorded, and per cause those that are not. */
    private static final class Findings {
        /** One cause while counting. */
        private static final class Counted {
            final PolicyRule by;
            final String why;
            final Request example;
            int requests;

            Counted(PolicyRule by, String why, Request example) {
                this.by = by;
                this.why = why;
                this.example = example;
            }
        }

        /** A cause by the policy rule's identity (its record equality would compare its lists per probe). */
        private record Key(PolicyRule by, String why) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Key k && k.by == by && k.why.equals(why);
            }

            @Override
            public int hashCode() {
                return System.identityHashCode(by) * 31 + why.hashCode();
            }
        }

        final Map<Key, Counted> causes = new LinkedHashMap<>();
        int full;
        int partly;

        /** A probe the rule cannot match as recorded. */
        void none(Request p, String why, PolicyRule by) {
            add(p, why, by);
        }

        /** A probe recorded so that the rule's result may differ. */
        void partly(Request p, String why, PolicyRule by) {
            partly++;
            add(p, why, by);
        }

        private void add(Request p, String why, PolicyRule by) {
            causes.computeIfAbsent(new Key(by, why), k -> new Counted(by, why, p)).requests++;
        }
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.removeAll(b);
        return out;
    }

    /** The stages of {@code ruleStages} that request {@code p} goes through. */
    static Set<String> produced(Request p, Set<String> ruleStages) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : ruleStages) {
            boolean longRunning = "watch".equals(p.verb()) || LONG_RUNNING.contains(p.subresource() == null ? "" : p.subresource());
            if (s.equals("ResponseStarted") && !longRunning) {
                continue;
            }
            if (s.equals("Panic")) {
                continue;   // only when a handler panics: never what a rule depends on
            }
            out.add(s);
        }
        return out;
    }

    /** Every request the policy tells apart that the rule can match, handed to {@code out} one by one. */
    void probes(RuleNeeds n, java.util.function.Consumer<Request> out) {
        Set<String> us = pick(n.get(RuleNeeds.USER), users);
        List<List<String>> groupSets = new ArrayList<>();
        groupSets.add(List.of());
        for (String g : groups) {
            groupSets.add(List.of(g));
        }
        Set<String> vs = pick(n.get(RuleNeeds.VERB), verbs);
        Set<String> rs = n.get(RuleNeeds.RESOURCE);
        Set<String> subs = n.get(RuleNeeds.SUBRESOURCE);
        Set<String> nss = n.get(RuleNeeds.NAMESPACE);
        Set<String> ns = pick(n.get(RuleNeeds.NAME), names);
        // (group, resource) pairs
        List<String[]> targets = new ArrayList<>();
        if (rs == null) {
            resources.forEach((g, byRes) -> byRes.keySet().forEach(r -> targets.add(new String[] {g, r})));
        } else {
            for (String r : rs) {
                if (r.isEmpty()) {
                    continue;
                }
                String g = GROUPS.get(r);
                if (g != null) {
                    targets.add(new String[] {g, r});
                } else {
                    for (String group : resources.keySet()) {
                        targets.add(new String[] {group, r});
                    }
                }
            }
        }
        for (String u : us) {
            for (List<String> gs : groupSets) {
                for (String v : vs) {
                    for (String[] t : targets) {
                        Set<String> subList = subs != null ? subs : withEmpty(subresources);
                        for (String sub : subList) {
                            boolean cluster = CLUSTER_SCOPED.contains(t[1]);
                            Set<String> nsList = nss != null ? nss : cluster ? Set.of("") : namespaces;
                            for (String namespace : nsList) {
                                if (cluster && !namespace.isEmpty()) {
                                    continue;
                                }
                                for (String name : ns) {
                                    out.accept(new Request(u, gs, v, t[0], t[1], sub.isEmpty() ? null : sub,
                                            namespace.isEmpty() ? null : namespace, name.isEmpty() ? null : name, null));
                                }
                            }
                        }
                    }
                    if (rs == null || rs.contains("")) {
                        for (String p : paths) {
                            out.accept(new Request(u, gs, v, null, null, null, null, null, p));
                        }
                    }
                }
            }
        }
    }

    private static Set<String> withEmpty(Set<String> s) {
        Set<String> out = new LinkedHashSet<>();
        out.add("");
        out.addAll(s);
        return out;
    }

    private static Set<String> pick(Set<String> required, Set<String> all) {
        return required != null ? required : all;
    }

    /**
     * The policy's {@code resources} forms that record {@code resource} with the subresources a rule
     * needs ({@code ""} = the resource itself; null = any: the resource and {@code resource/*}).
     */
    static void addForms(Set<String> forms, String resource, Set<String> subresources) {
        if (subresources == null) {
            forms.add(resource);
            forms.add(resource + "/*");
        } else {
            for (String s : subresources) {
                forms.add(s.isEmpty() ? resource : resource + "/" + s);
            }
        }
    }

    /** A policy rule that, placed first, records what the rule needs. */
    static String suggestion(RuleNeeds n, Set<String> ruleStages) {
        StringBuilder b = new StringBuilder();
        b.append("- level: ").append(n.level()).append('\n');
        Set<String> v = n.get(RuleNeeds.VERB);
        if (v != null && !v.isEmpty()) {
            b.append("  verbs: [").append(String.join(", ", new TreeSet<>(v))).append("]\n");
        }
        Set<String> rs = n.get(RuleNeeds.RESOURCE);
        if (rs != null && !rs.isEmpty() && !rs.contains("")) {
            Map<String, Set<String>> byGroup = new LinkedHashMap<>();
            Set<String> subs = n.get(RuleNeeds.SUBRESOURCE);
            for (String r : new TreeSet<>(rs)) {
                addForms(byGroup.computeIfAbsent(GROUPS.getOrDefault(r, "*unknown*"), k -> new TreeSet<>()), r, subs);
            }
            b.append("  resources:\n");
            byGroup.forEach((g, forms) -> {
                if (g.equals("*unknown*")) {
                    b.append("  # (the API group of ").append(String.join(", ", forms)).append(" is not known: set it)\n");
                    g = "";
                }
                b.append("  - group: \"").append(g).append("\"\n");
                b.append("    resources: [").append(String.join(", ", forms)).append("]\n");
            });
        }
        Set<String> ns = n.get(RuleNeeds.NAMESPACE);
        if (ns != null && !ns.isEmpty() && !ns.contains("")) {
            b.append("  namespaces: [").append(String.join(", ", new TreeSet<>(ns))).append("]\n");
        }
        Set<String> omit = new TreeSet<>(List.of("RequestReceived", "ResponseStarted", "ResponseComplete"));
        omit.removeAll(ruleStages);
        if (!omit.isEmpty()) {
            b.append("  omitStages: [").append(String.join(", ", omit)).append("]\n");
        }
        return b.toString();
    }
}
