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
    /** Probe every request on its own and decide it with {@link AuditPolicy#decide} (what the fast check must agree with). */
    private final boolean oneByOne;
    /** Per policy rule: its users, user groups, verbs, namespaces as sets (empty when it names none). */
    private final List<Set<String>> ruleUsers = new ArrayList<>();
    private final List<Set<String>> ruleGroups = new ArrayList<>();
    private final List<Set<String>> ruleVerbs = new ArrayList<>();
    private final List<Set<String>> ruleNamespaces = new ArrayList<>();
    /** Per resources entry of every policy rule: its resourceNames. */
    private final List<Set<String>> entryNames = new ArrayList<>();
    /** Group -> the part of a resources form before its '/' -> {the resources entry's index, the form}. */
    private final Map<String, Map<String, List<Object[]>>> specs = new java.util.HashMap<>();
    /** Words of a set of policy rules (bit i: rule i). */
    private final int words;
    private List<Alike<String>> allUsers;
    private List<Alike<List<String>>> allGroupSets;
    private List<Alike<String>> allNamespaces;
    private List<Alike<String>> allNames;
    private List<Alike<String[]>> allTargets;
    /** Probes decided so far (each standing for one or more requests). */
    private long decisions;

    public Coverage(AuditPolicy policy) {
        this(policy, false);
    }

    Coverage(AuditPolicy policy, boolean oneByOne) {
        this.policy = policy;
        this.oneByOne = oneByOne;
        this.words = (policy.rules().size() + 63) / 64;
        int entry = 0;
        for (PolicyRule p : policy.rules()) {
            ruleUsers.add(new java.util.HashSet<>(p.users()));
            ruleGroups.add(new java.util.HashSet<>(p.userGroups()));
            ruleVerbs.add(new java.util.HashSet<>(p.verbs()));
            ruleNamespaces.add(new java.util.HashSet<>(p.namespaces()));
            for (GroupResources g : p.resources()) {
                entryNames.add(new java.util.HashSet<>(g.resourceNames()));
                Map<String, List<Object[]>> byHead = specs.computeIfAbsent(g.group(), k -> new java.util.HashMap<>());
                for (String r : g.resources()) {
                    int slash = r.indexOf('/');
                    byHead.computeIfAbsent(slash < 0 ? r : r.substring(0, slash), k -> new ArrayList<>())
                            .add(new Object[] {entry, r});
                }
                entry++;
            }
        }
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

    /** How many probes the checks so far decided (one by one: one per request). */
    long decisions() {
        return decisions;
    }

    public Verdict check(Rule rule) {
        RuleNeeds needs = RuleNeeds.of(rule);
        Set<String> ruleStages = needs.get(RuleNeeds.STAGE) == null ? new LinkedHashSet<>(AuditPolicy.STAGES)
                : new TreeSet<>(needs.get(RuleNeeds.STAGE));
        Findings findings = new Findings();
        if (oneByOne) {
            probesOneByOne(needs, p -> {
                decisions++;
                findings.add(outcome(rule, needs, ruleStages, policy.decide(p), p.isResource(),
                        longRunning(p.verb(), p.subresource())), p, 1);
            });
        } else {
            probe(rule, needs, ruleStages, findings);
        }
        Status status = findings.causes.isEmpty() ? Status.COVERED
                : findings.full == 0 && findings.partly == 0 ? Status.BLIND : Status.PARTLY_BLIND;
        String suggestion = status == Status.COVERED ? null : suggestion(needs, ruleStages);
        List<Cause> causes = findings.causes.values().stream()
                .map(c -> new Cause(c.by, c.why, c.example, c.requests)).toList();
        return new Verdict(rule, status, needs.level(), ruleStages, causes, suggestion);
    }

    /** What a request decided so means for the rule: not seen, fully, partly, or not at all (why, by which policy rule). */
    private record Outcome(Kind kind, String why, PolicyRule by) {
        enum Kind {
            NEVER, FULL, PARTLY, NONE
        }
    }

    private static final Outcome NEVER = new Outcome(Outcome.Kind.NEVER, null, null);
    private static final Outcome FULL = new Outcome(Outcome.Kind.FULL, null, null);

    /** The outcome for the rule of a request ({@code resource}: not a URL; {@code longRunning}: a watch, exec ...) decided {@code d}. */
    private static Outcome outcome(Rule rule, RuleNeeds needs, Set<String> ruleStages, Decision d, boolean resource,
                                   boolean longRunning) {
        Set<String> produced = produced(longRunning, ruleStages);
        if (produced.isEmpty()) {
            return NEVER;   // the rule waits for a stage this request never has
        }
        Level effective = resource ? d.level() : d.level() == Level.None ? Level.None : Level.Metadata;
        Set<String> kept = new LinkedHashSet<>(produced);
        kept.removeAll(d.omitStages());
        RuleNeeds.Effect effect = effective == Level.None ? RuleNeeds.Effect.NONE : needs.at(effective);
        if (!resource && needs.level() != Level.Metadata) {
            effect = needs.firesAtMetadata() ? RuleNeeds.Effect.CHANGED : RuleNeeds.Effect.NONE;
        }
        if (effective == Level.None) {
            return new Outcome(Outcome.Kind.NONE, "not recorded (level None)", d.rule());
        } else if (kept.isEmpty()) {
            return new Outcome(Outcome.Kind.NONE, "stage" + (produced.size() == 1 ? " " : "s ")
                    + String.join(", ", produced) + " omitted", d.rule());
        } else if (effect == RuleNeeds.Effect.NONE) {
            return new Outcome(Outcome.Kind.NONE, "recorded at " + effective + "; the rule reads "
                    + String.join(", ", needs.bodyFields()) + " (needs " + needs.level() + ")", d.rule());
        } else if (effect == RuleNeeds.Effect.CHANGED || kept.size() < produced.size() && !rule.oncePerRequest()) {
            // a once-per-request rule alerts at whichever of its stages is kept: one is enough
            return new Outcome(Outcome.Kind.PARTLY, effect == RuleNeeds.Effect.CHANGED
                    ? "recorded at " + effective + " (needs " + needs.level() + "): the rule's result changes"
                    : "stage " + String.join(", ", minus(produced, kept)) + " omitted", d.rule());
        }
        return FULL;
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
        long full;
        long partly;

        /** {@code requests} requests, {@code first} the first of them, with outcome {@code o}. */
        void add(Outcome o, Request first, long requests) {
            if (o.kind() == Outcome.Kind.FULL) {
                full += requests;
            } else if (o.kind() != Outcome.Kind.NEVER) {
                count(cause(o, first), o, requests);
            }
        }

        /** The cause of outcome {@code o} (PARTLY or NONE), met first with request {@code first}. */
        Counted cause(Outcome o, Request first) {
            return causes.computeIfAbsent(new Key(o.by(), o.why()), k -> new Counted(o.by(), o.why(), first));
        }

        void count(Counted c, Outcome o, long requests) {
            if (o.kind() == Outcome.Kind.PARTLY) {
                partly += requests;
            }
            c.requests += (int) requests;   // an int as when each request added one: the same total, wrapped alike
        }
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.removeAll(b);
        return out;
    }

    /** Whether a request with {@code verb} and {@code subresource} (null: none) stays open: a watch, exec, attach ... */
    static boolean longRunning(String verb, String subresource) {
        return "watch".equals(verb) || LONG_RUNNING.contains(subresource == null ? "" : subresource);
    }

    /** The stages of {@code ruleStages} that a request goes through ({@code longRunning}: see {@link #longRunning}). */
    static Set<String> produced(boolean longRunning, Set<String> ruleStages) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : ruleStages) {
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

    /** Values of one field the policy cannot tell apart: the first in probing order, how many, the policy rules they admit. */
    private record Alike<T>(T first, long size, long[] admits) {
    }

    /** What one kind of probe of a check comes to: a decision (a policy rule or none), long-running or not, resource or URL. */
    private static final class Slot {
        final Outcome outcome;
        Findings.Counted cause;

        Slot(Outcome outcome) {
            this.outcome = outcome;
        }

        /** Whether the next probe is the first of its cause (its request is then the cause's example). */
        boolean wantsExample() {
            return cause == null && (outcome.kind() == Outcome.Kind.PARTLY || outcome.kind() == Outcome.Kind.NONE);
        }

        void take(Findings f, long requests) {
            if (outcome.kind() == Outcome.Kind.FULL) {
                f.full += requests;
            } else if (outcome.kind() != Outcome.Kind.NEVER) {
                f.count(cause, outcome, requests);
            }
        }
    }

    /**
     * The rule probed with every request the policy tells apart that it can match, as
     * {@link #probesOneByOne} makes them, with the same findings. Users, groups, (group, resource)
     * targets, namespaces and names that every policy rule treats alike are probed once, with the
     * first of them, counting for all: a policy naming 40 users, 40 namespaces and 150 resources
     * made tens of millions of requests per rule, each decided against every policy rule. Values are
     * grouped in the order of their first member, so probes come in the order in which probing
     * request by request meets the first request of each group: each cause has the same first
     * example, counts the same requests, and causes come in the same order. A probe is decided
     * from the sets of policy rules its values admit (the first rule in all of them), and what a
     * decision means for the rule is worked out once per check.
     */
    private void probe(Rule rule, RuleNeeds n, Set<String> ruleStages, Findings findings) {
        Set<String> requiredUsers = n.get(RuleNeeds.USER);
        List<Alike<String>> us = requiredUsers != null ? alike(requiredUsers, this::userKey, this::userAdmits)
                : allUsers();
        List<Alike<List<String>>> gss = allGroupSets();
        List<String> vs = new ArrayList<>(pick(n.get(RuleNeeds.VERB), verbs));
        long[][] verbAdmits = new long[vs.size()][];
        for (int i = 0; i < vs.size(); i++) {
            String v = vs.get(i);
            verbAdmits[i] = admits(r -> ruleVerbs.get(r).isEmpty() || ruleVerbs.get(r).contains(v));
        }
        Set<String> rs = n.get(RuleNeeds.RESOURCE);
        Set<String> subs = n.get(RuleNeeds.SUBRESOURCE);
        Set<String> nss = n.get(RuleNeeds.NAMESPACE);
        Set<String> requiredNames = n.get(RuleNeeds.NAME);
        List<Alike<String>> nameKinds = requiredNames != null ? alike(requiredNames, this::nameKey, null) : allNames();
        // (group, resource) pairs
        List<Alike<String[]>> targets;
        if (rs == null) {
            targets = allTargets();
        } else {
            targets = alike(targetPairs(rs), this::targetKey, null);
        }
        List<String> subList = new ArrayList<>(subs != null ? subs : withEmpty(subresources));
        List<Alike<String>> nsOpen = nss != null ? alike(nss, this::namespaceKey, this::namespaceAdmits)
                : allNamespaces();
        // a cluster-scoped target has no namespace
        List<Alike<String>> nsCluster = alike(nss == null || nss.contains("") ? List.of("") : List.<String>of(),
                this::namespaceKey, this::namespaceAdmits);
        // the policy rules each (target, subresource, name) admits
        long[][][][] targetAdmits = new long[targets.size()][subList.size()][nameKinds.size()][];
        for (int t = 0; t < targets.size(); t++) {
            String[] target = targets.get(t).first();
            for (int s = 0; s < subList.size(); s++) {
                for (int m = 0; m < nameKinds.size(); m++) {
                    String sub = subList.get(s);
                    String name = nameKinds.get(m).first();
                    targetAdmits[t][s][m] = admits(r -> {
                        PolicyRule p = policy.rules().get(r);
                        return p.resources().isEmpty() || AuditPolicy.resourcesMatch(p, target[0], target[1], sub, name);
                    });
                }
            }
        }
        boolean urls = rs == null || rs.contains("");
        List<String> pathList = new ArrayList<>(urls ? paths : Set.of());
        long[][] pathAdmits = new long[pathList.size()][];
        for (int i = 0; i < pathList.size(); i++) {
            String path = pathList.get(i);
            pathAdmits[i] = admits(r -> {
                PolicyRule p = policy.rules().get(r);
                return p.namespaces().isEmpty() && p.resources().isEmpty()
                        && (p.nonResourceURLs().isEmpty() || AuditPolicy.urlMatches(p, path));
            });
        }
        Slot[] slots = new Slot[(policy.rules().size() + 1) * 4];
        long[] ug = new long[words];
        long[] ugv = new long[words];
        long[] ugvn = new long[words];
        for (Alike<String> u : us) {
            for (Alike<List<String>> gs : gss) {
                and(u.admits(), gs.admits(), ug);
                for (int vi = 0; vi < vs.size(); vi++) {
                    String v = vs.get(vi);
                    and(ug, verbAdmits[vi], ugv);
                    for (int ti = 0; ti < targets.size(); ti++) {
                        Alike<String[]> t = targets.get(ti);
                        String[] target = t.first();
                        boolean cluster = CLUSTER_SCOPED.contains(target[1]);
                        for (int si = 0; si < subList.size(); si++) {
                            String sub = subList.get(si);
                            boolean longRunning = longRunning(v, sub);
                            for (Alike<String> namespace : cluster ? nsCluster : nsOpen) {
                                and(ugv, namespace.admits(), ugvn);
                                for (int ni = 0; ni < nameKinds.size(); ni++) {
                                    Alike<String> name = nameKinds.get(ni);
                                    Slot slot = slot(slots, first(ugvn, targetAdmits[ti][si][ni]), longRunning, true,
                                            rule, n, ruleStages);
                                    if (slot.wantsExample()) {
                                        slot.cause = findings.cause(slot.outcome, new Request(u.first(), gs.first(), v,
                                                target[0], target[1], sub.isEmpty() ? null : sub,
                                                namespace.first().isEmpty() ? null : namespace.first(),
                                                name.first().isEmpty() ? null : name.first(), null));
                                    }
                                    slot.take(findings, u.size() * gs.size() * t.size() * namespace.size() * name.size());
                                }
                            }
                        }
                    }
                    for (int pi = 0; pi < pathList.size(); pi++) {
                        Slot slot = slot(slots, first(ugv, pathAdmits[pi]), longRunning(v, null), false, rule, n,
                                ruleStages);
                        if (slot.wantsExample()) {
                            slot.cause = findings.cause(slot.outcome,
                                    new Request(u.first(), gs.first(), v, null, null, null, null, null, pathList.get(pi)));
                        }
                        slot.take(findings, u.size() * gs.size());
                    }
                }
            }
        }
    }

    /** The slot of a probe decided by policy rule {@code decision} (-1: none), its outcome worked out the first time. */
    private Slot slot(Slot[] slots, int decision, boolean longRunning, boolean resource, Rule rule, RuleNeeds n,
                      Set<String> ruleStages) {
        decisions++;
        int i = ((decision + 1) * 2 + (longRunning ? 1 : 0)) * 2 + (resource ? 1 : 0);
        Slot s = slots[i];
        if (s == null) {
            s = new Slot(outcome(rule, n, ruleStages, policy.decidedBy(decision), resource, longRunning));
            slots[i] = s;
        }
        return s;
    }

    /** The policy rules (bit i: rule i) that {@code admits}. */
    private long[] admits(java.util.function.IntPredicate admits) {
        long[] out = new long[words];
        for (int i = 0; i < policy.rules().size(); i++) {
            if (admits.test(i)) {
                out[i >>> 6] |= 1L << i;
            }
        }
        return out;
    }

    private static void and(long[] a, long[] b, long[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] & b[i];
        }
    }

    /** The first policy rule in both {@code a} and {@code b}, -1 for none. */
    private static int first(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            long both = a[i] & b[i];
            if (both != 0) {
                return i * 64 + Long.numberOfTrailingZeros(both);
            }
        }
        return -1;
    }

    private long[] userAdmits(String user) {
        return admits(r -> ruleUsers.get(r).isEmpty() || ruleUsers.get(r).contains(user));
    }

    private long[] groupSetAdmits(List<String> groupSet) {
        return admits(r -> ruleGroups.get(r).isEmpty() || groupSet.stream().anyMatch(ruleGroups.get(r)::contains));
    }

    /** The policy rules a resource request in {@code namespace} ({@code ""}: none) may match so far. */
    private long[] namespaceAdmits(String namespace) {
        return admits(r -> {
            PolicyRule p = policy.rules().get(r);
            return p.namespaces().isEmpty() && p.resources().isEmpty() ? p.nonResourceURLs().isEmpty()
                    : p.namespaces().isEmpty() || ruleNamespaces.get(r).contains(namespace);
        });
    }

    /**
     * {@code values} in order grouped by {@code key}, groups in order of their first; each with the
     * policy rules it admits when {@code admits} is given.
     */
    private <T> List<Alike<T>> alike(Iterable<T> values, java.util.function.Function<T, Object> key,
                                     java.util.function.Function<T, long[]> admits) {
        Map<Object, Object[]> groups = new LinkedHashMap<>();
        for (T v : values) {
            Object[] g = groups.computeIfAbsent(key.apply(v), k -> new Object[] {v, 0L});
            g[1] = (Long) g[1] + 1;
        }
        List<Alike<T>> out = new ArrayList<>(groups.size());
        for (Object[] g : groups.values()) {
            @SuppressWarnings("unchecked")
            T first = (T) g[0];
            out.add(new Alike<>(first, (Long) g[1], admits == null ? null : admits.apply(first)));
        }
        return out;
    }

    /** The policy rules (or resources entries) whose list holds {@code v}; lists that are empty hold nothing. */
    private static java.util.BitSet in(List<Set<String>> lists, String v) {
        java.util.BitSet b = new java.util.BitSet(lists.size());
        for (int i = 0; i < lists.size(); i++) {
            if (lists.get(i).contains(v)) {
                b.set(i);
            }
        }
        return b;
    }

    private Object userKey(String user) {
        return in(ruleUsers, user);
    }

    private Object groupSetKey(List<String> groupSet) {
        java.util.BitSet b = new java.util.BitSet(ruleGroups.size());
        for (String g : groupSet) {
            b.or(in(ruleGroups, g));
        }
        return b;
    }

    private Object namespaceKey(String namespace) {
        return in(ruleNamespaces, namespace);
    }

    private Object nameKey(String name) {
        return in(entryNames, name);
    }

    /**
     * What the policy's resources entries make of a (group, resource) target: its group, whether it
     * is cluster-scoped, and the forms of it each entry of that group lists (the resource itself,
     * {@code /*}, {@code /status} ...). {@code *} and {@code * /sub} forms and other resources do not
     * tell targets apart.
     */
    private Object targetKey(String[] target) {
        String group = target[0];
        String resource = target[1];
        Map<String, List<Object[]>> byHead = specs.getOrDefault(group, Map.of());
        List<Object[]> candidates;
        if (resource.indexOf('/') < 0) {
            candidates = byHead.getOrDefault(resource, List.of());
        } else {
            candidates = new ArrayList<>();
            byHead.values().forEach(candidates::addAll);
        }
        // entry -> the forms of the resource it lists ("" for the resource itself): an entry matches on any
        Map<Integer, Set<String>> forms = new java.util.TreeMap<>();
        for (Object[] c : candidates) {
            String spec = (String) c[1];
            if (spec.equals(resource) || spec.startsWith(resource + "/")) {
                forms.computeIfAbsent((Integer) c[0], k -> new TreeSet<>()).add(spec.substring(resource.length()));
            }
        }
        return List.of(group, CLUSTER_SCOPED.contains(resource), forms);
    }

    private List<Alike<String>> allUsers() {
        if (allUsers == null) {
            allUsers = alike(users, this::userKey, this::userAdmits);
        }
        return allUsers;
    }

    private List<Alike<List<String>>> allGroupSets() {
        if (allGroupSets == null) {
            List<List<String>> groupSets = new ArrayList<>();
            groupSets.add(List.of());
            for (String g : groups) {
                groupSets.add(List.of(g));
            }
            allGroupSets = alike(groupSets, this::groupSetKey, this::groupSetAdmits);
        }
        return allGroupSets;
    }

    private List<Alike<String>> allNamespaces() {
        if (allNamespaces == null) {
            allNamespaces = alike(namespaces, this::namespaceKey, this::namespaceAdmits);
        }
        return allNamespaces;
    }

    private List<Alike<String>> allNames() {
        if (allNames == null) {
            allNames = alike(names, this::nameKey, null);
        }
        return allNames;
    }

    private List<Alike<String[]>> allTargets() {
        if (allTargets == null) {
            List<String[]> pairs = new ArrayList<>();
            resources.forEach((g, byRes) -> byRes.keySet().forEach(r -> pairs.add(new String[] {g, r})));
            allTargets = alike(pairs, this::targetKey, null);
        }
        return allTargets;
    }

    /**
     * Every request the policy tells apart that the rule can match, handed to {@code out} one by one
     * (the definition of what {@link #probe} counts; tests compare the two).
     */
    void probesOneByOne(RuleNeeds n, java.util.function.Consumer<Request> out) {
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
            targets.addAll(targetPairs(rs));
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

    /** The (group, resource) pairs of resources {@code rs}: its own group where known, else every group the policy names. */
    private List<String[]> targetPairs(Set<String> rs) {
        List<String[]> pairs = new ArrayList<>();
        for (String r : rs) {
            if (r.isEmpty()) {
                continue;
            }
            String g = GROUPS.get(r);
            if (g != null) {
                pairs.add(new String[] {g, r});
            } else {
                for (String group : resources.keySet()) {
                    pairs.add(new String[] {group, r});
                }
            }
        }
        return pairs;
    }
}
