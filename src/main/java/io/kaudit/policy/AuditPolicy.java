package io.kaudit.policy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A kube-apiserver audit {@code Policy} (audit.k8s.io/v1 or v1beta1), or a bare list of its rules
 * (a fragment as OpenShift embeds them), evaluated as the apiserver does: rules in order, the
 * first that matches gives the level; no match is {@code None}. {@code omitStages} of the policy
 * and of the matching rule add up.
 */
public final class AuditPolicy {
    public enum Level {
        None, Metadata, Request, RequestResponse;

        boolean atLeast(Level l) {
            return compareTo(l) >= 0;
        }
    }

    public static final List<String> STAGES = List.of("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic");

    /** One {@code resources} entry: a group (""= core), resources (pods, pods/exec, pods/*, * /status, *), names. */
    public record GroupResources(String group, List<String> resources, List<String> resourceNames) {
    }

    /** One policy rule, with the line it starts on. */
    public record PolicyRule(Level level, List<String> users, List<String> userGroups, List<String> verbs,
                             List<GroupResources> resources, List<String> namespaces, List<String> nonResourceURLs,
                             Set<String> omitStages, Boolean omitManagedFields, int line) {
    }

    /** A request as the policy sees it: {@code resource} null for a non-resource URL ({@code path}). */
    public record Request(String user, List<String> groups, String verb, String group, String resource,
                          String subresource, String namespace, String name, String path) {
        boolean isResource() {
            return resource != null;
        }
    }

    /** The outcome for one request: the level, the stages not recorded, the rule that decided (null: none matched). */
    public record Decision(Level level, Set<String> omitStages, PolicyRule rule) {
    }

    private final String file;
    private final List<PolicyRule> rules;
    private final Set<String> omitStages;
    private final boolean omitManagedFields;

    public AuditPolicy(String file, List<PolicyRule> rules, Set<String> omitStages, boolean omitManagedFields) {
        this.file = file;
        this.rules = List.copyOf(rules);
        this.omitStages = Set.copyOf(omitStages);
        this.omitManagedFields = omitManagedFields;
    }

    public String file() {
        return file;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    public Set<String> omitStages() {
        return omitStages;
    }

    public boolean omitManagedFields() {
        return omitManagedFields;
    }

    public Decision decide(Request r) {
        for (int i = 0; i < rules.size(); i++) {
            if (matches(rules.get(i), r)) {
                return decidedBy(i);
            }
        }
        return decidedBy(-1);
    }

    /** The decision of rule {@code i} (-1: no rule matched). */
    Decision decidedBy(int i) {
        if (i < 0) {
            return new Decision(Level.None, Set.copyOf(omitStages), null);
        }
        PolicyRule p = rules.get(i);
        Set<String> omit = new LinkedHashSet<>(omitStages);
        omit.addAll(p.omitStages());
        return new Decision(p.level(), omit, p);
    }

    /** kube-apiserver's rule matching (staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go). */
    static boolean matches(PolicyRule p, Request r) {
        if (!p.users().isEmpty() && !p.users().contains(r.user())) {
            return false;
        }
        if (!p.userGroups().isEmpty() && r.groups().stream().noneMatch(p.userGroups()::contains)) {
            return false;
        }
        if (!p.verbs().isEmpty() && !p.verbs().contains(r.verb())) {
            return false;
        }
        if (!p.namespaces().isEmpty() || !p.resources().isEmpty()) {
            if (!r.isResource()) {
                return false;
            }
            if (!p.namespaces().isEmpty() && !p.namespaces().contains(r.namespace() == null ? "" : r.namespace())) {
                return false;
            }
            return p.resources().isEmpty() || resourcesMatch(p, r.group() == null ? "" : r.group(), r.resource(),
                    r.subresource() == null ? "" : r.subresource(), r.name() == null ? "" : r.name());
        }
        if (!p.nonResourceURLs().isEmpty()) {
            return !r.isResource() && urlMatches(p, r.path());
        }
        return true;
    }

    /** Whether the {@code resources} of {@code p} (not empty) hold the resource ({@code ""}: no subresource, no name). */
    static boolean resourcesMatch(PolicyRule p, String group, String resource, String sub, String name) {
        String combined = sub.isEmpty() ? resource : resource + "/" + sub;
        for (GroupResources g : p.resources()) {
            if (!g.group().equals(group)) {
                continue;
            }
            if (g.resources().isEmpty()) {
                return true;
            }
            if (!g.resourceNames().isEmpty() && !g.resourceNames().contains(name)) {
                continue;
            }
            for (String res : g.resources()) {
                if (res.equals(combined) || res.equals("*")
                        || (!sub.isEmpty() && res.startsWith("*/") && sub.equals(res.substring(2)))
                        || (res.endsWith("/*") && resource.equals(res.substring(0, res.length() - 2)))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the {@code nonResourceURLs} of {@code p} (not empty) hold {@code path}. */
    static boolean urlMatches(PolicyRule p, String path) {
        for (String spec : p.nonResourceURLs()) {
            if (spec.equals("*") || spec.equals(path)
                    || (spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** Reads a policy file; errors name the file and line. */
    public static AuditPolicy read(Path path) throws PolicyException {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return parse(path.toString(), reader);
        } catch (IOException e) {
            throw new PolicyException(path + ": cannot read: " + io.kaudit.source.Input.reason(e));
        }
    }

    /** Parses a policy from {@code reader}; {@code file} names it in errors and verdicts. */
    public static AuditPolicy parse(String file, Reader reader) throws PolicyException {
        Node doc;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            doc = new Yaml(options).compose(reader);
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            // file:line:column of the problem, as rule files report theirs, not SnakeYAML's multi-line message
            org.yaml.snakeyaml.error.Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage().replace('\n', ' ');
            throw new PolicyException(file + where + ": not valid YAML: " + problem);
        } catch (YAMLException e) {
            if (e.getCause() instanceof java.nio.charset.CharacterCodingException coding) {   // the reader's, not YAML's
                throw new PolicyException(file + ": " + io.kaudit.source.Input.reason(coding));
            }
            throw new PolicyException(file + ": not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (doc == null) {
            throw new PolicyException(file + ": empty file, not an audit Policy");
        }
        Node rulesNode;
        Set<String> omit = new LinkedHashSet<>();
        boolean managed = false;
        if (doc instanceof SequenceNode) {
            rulesNode = doc;   // a bare list of policy rules (a fragment)
        } else if (doc instanceof MappingNode m) {
            String kind = scalar(file, get(m, "kind"));
            if (kind != null && !kind.equals("Policy")) {
                throw new PolicyException(at(file, m) + ": kind is " + kind + ", not Policy");
            }
            String api = scalar(file, get(m, "apiVersion"));
            if (api != null && !api.startsWith("audit.k8s.io/")) {
                throw new PolicyException(at(file, m) + ": apiVersion " + api + " is not audit.k8s.io/v1 or v1beta1");
            }
            rulesNode = get(m, "rules");
            omit.addAll(stages(file, get(m, "omitStages")));
            managed = "true".equals(scalar(file, get(m, "omitManagedFields")));
        } else {
            throw new PolicyException(at(file, doc) + ": not an audit Policy (a mapping with rules)");
        }
        if (!(rulesNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw new PolicyException(at(file, rulesNode == null ? doc : rulesNode) + ": a Policy needs a non-empty list of rules");
        }
        List<PolicyRule> rules = new ArrayList<>();
        for (Node n : seq.getValue()) {
            rules.add(rule(file, n));
        }
        return new AuditPolicy(file, rules, omit, managed);
    }

    private static PolicyRule rule(String file, Node n) throws PolicyException {
        if (!(n instanceof MappingNode m)) {
            throw new PolicyException(at(file, n) + ": a policy rule must be a mapping");
        }
        String levelText = scalar(file, get(m, "level"));
        if (levelText == null) {
            throw new PolicyException(at(file, n) + ": policy rule without a level");
        }
        Level level;
        try {
            level = Level.valueOf(levelText);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(at(file, get(m, "level")) + ": unknown level " + levelText
                    + " (None, Metadata, Request, RequestResponse)");
        }
        List<GroupResources> resources = new ArrayList<>();
        Node res = get(m, "resources");
        if (res != null) {
            if (!(res instanceof SequenceNode rs)) {
                throw new PolicyException(at(file, res) + ": resources must be a list");
            }
            for (Node g : rs.getValue()) {
                if (!(g instanceof MappingNode gm)) {
                    throw new PolicyException(at(file, g) + ": a resources entry must be a mapping (group, resources)");
                }
                String group = scalar(file, get(gm, "group"));
                resources.add(new GroupResources(group == null ? "" : group, strings(file, get(gm, "resources")),
                        strings(file, get(gm, "resourceNames"))));
            }
        }
        List<String> urls = strings(file, get(m, "nonResourceURLs"));
        if (!urls.isEmpty() && (!resources.isEmpty() || get(m, "namespaces") != null)) {
            throw new PolicyException(at(file, n) + ": a rule cannot have both nonResourceURLs and resources/namespaces");
        }
        String managed = scalar(file, get(m, "omitManagedFields"));
        return new PolicyRule(level, strings(file, get(m, "users")), strings(file, get(m, "userGroups")),
                strings(file, get(m, "verbs")), resources, strings(file, get(m, "namespaces")), urls,
                stages(file, get(m, "omitStages")), managed == null ? null : managed.equals("true"),
                n.getStartMark().getLine() + 1);
    }

    private static Set<String> stages(String file, Node n) throws PolicyException {
        Set<String> out = new LinkedHashSet<>();
        for (String s : strings(file, n)) {
            if (!STAGES.contains(s)) {
                throw new PolicyException(at(file, n) + ": unknown stage " + s + " (" + String.join(", ", STAGES) + ")");
            }
            out.add(s);
        }
        return out;
    }

    private static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static String scalar(String file, Node n) throws PolicyException {
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw new PolicyException(at(file, n) + ": expected a single value");
    }

    private static List<String> strings(String file, Node n) throws PolicyException {
        if (n == null) {
            return List.of();
        }
        if (n instanceof ScalarNode s && (s.getValue().isEmpty() || s.getValue().equals("null"))) {
            return List.of();
        }
        if (!(n instanceof SequenceNode seq)) {
            throw new PolicyException(at(file, n) + ": expected a list");
        }
        List<String> out = new ArrayList<>();
        for (Node v : seq.getValue()) {
            out.add(scalar(file, v));
        }
        return out;
    }

    private static String at(String file, Node n) {
        return file + ":" + (n.getStartMark().getLine() + 1);
    }
}
