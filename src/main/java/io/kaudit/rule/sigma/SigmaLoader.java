package io.kaudit.rule.sigma;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast;
import io.kaudit.rule.CompileException;
import io.kaudit.rule.Definitions;
import io.kaudit.rule.FieldRef;
import io.kaudit.rule.Fields;
import io.kaudit.rule.Getter;
import io.kaudit.rule.OutputFormat;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleCompiler;
import io.kaudit.rule.RuleLoadException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Sigma rule files beside Falco's: detection rules (title, logsource, detection) and correlation
 * rules (title, correlation), one per YAML document. Detections compile to the same {@link Rule}
 * the Falco loader makes (language {@code sigma}); correlations become rules of language
 * {@code correlation} plus a {@link Correlation} the engine evaluates.
 */
public final class SigmaLoader implements Definitions.OtherRules {
    /** Sigma level to Falco priority. */
    private static final Map<String, Priority> LEVELS = Map.of("informational", Priority.INFORMATIONAL,
            "low", Priority.NOTICE, "medium", Priority.WARNING, "high", Priority.ERROR, "critical", Priority.CRITICAL);

    private record Doc(String file, MappingNode node, Map<String, Node> keys) {
        int line() {
            return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
        }
    }

    private final List<Doc> docs = new ArrayList<>();
    private SigmaFields fields = new SigmaFields();

    /**
     * A Sigma detection given inline (the REPL's {@code sigma:} prefix): one selection as a YAML flow
     * or block mapping ({@code {verb: create, objectRef.resource: secrets}}), a list of mappings (OR),
     * or a whole detection with named selections and a {@code condition}. Fields are read through
     * {@code mapping}, as in a rule file; {@code projection} gathers what the events must keep.
     *
     * @throws RuleLoadException naming what is wrong (YAML syntax, an unknown field, a bad condition)
     */
    public static io.kaudit.rule.Condition inline(String text, SigmaFields mapping, Projection projection)
            throws RuleLoadException {
        Node node;
        try {
            org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
            node = new org.yaml.snakeyaml.composer.Composer(new org.yaml.snakeyaml.parser.ParserImpl(
                    new org.yaml.snakeyaml.reader.StreamReader(text), options),
                    new org.yaml.snakeyaml.resolver.Resolver(), options).getSingleNode();
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            String why = e instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null
                    ? m.getProblem() + " at column " + (m.getProblemMark().getColumn() + 1) : e.getMessage();
            throw new RuleLoadException("not YAML: " + why.replace('\n', ' '));
        }
        if (node == null) {
            throw new RuleLoadException("an empty Sigma detection");
        }
        MappingNode detection;
        if (node instanceof MappingNode m && keys(m).containsKey("condition")) {
            detection = m;
        } else {
            detection = new MappingNode(org.yaml.snakeyaml.nodes.Tag.MAP, List.of(
                    new NodeTuple(plain("selection"), node), new NodeTuple(plain("condition"), plain("selection"))),
                    org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        }
        try {
            return new Detection(mapping, projection).compile(detection).condition();
        } catch (Detection.Problem p) {
            throw new RuleLoadException(p.getMessage());
        }
    }

    private static ScalarNode plain(String v) {
        return new ScalarNode(org.yaml.snakeyaml.nodes.Tag.STR, v, null, null,
                org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN);
    }

    /** Whether a YAML document is a Sigma rule (a mapping with a title and a detection or correlation). */
    public static boolean isSigma(Node doc) {
        if (!(doc instanceof MappingNode m)) {
            return false;
        }
        Map<String, Node> k = keys(m);
        return k.containsKey("title") && (k.containsKey("detection") || k.containsKey("correlation"));
    }

    public void mapping(SigmaFields f) {
        this.fields = f;
    }

    public void add(String file, MappingNode doc) {
        docs.add(new Doc(file, doc, keys(doc)));
    }

    public boolean isEmpty() {
        return docs.isEmpty();
    }

    /** Rules turned on or off after their definition (a Falco-style {@code - rule: NAME / enabled: false}), by title or name. */
    private final Map<String, Boolean> enabledOverrides = new HashMap<>();

    /** Whether a Sigma rule or correlation with this title or {@code name} was added so far. */
    @Override
    public boolean knows(String name) {
        for (Doc d : docs) {
            if (name.equals(optional(d, "title")) || name.equals(optional(d, "name"))) {
                return true;
            }
        }
        return false;
    }

    /** Turns the Sigma rule or correlation of this title or name on or off (the latest call wins). */
    @Override
    public void enabled(String name, boolean on) {
        enabledOverrides.put(name, on);
    }

    private boolean enabledOf(Doc d) {
        Boolean byTitle = enabledOverrides.get(optional(d, "title"));
        if (byTitle != null) {
            return byTitle;
        }
        String name = optional(d, "name");
        return name.isEmpty() || enabledOverrides.getOrDefault(name, true);
    }

    /**
     * Compiles every document into {@code compiler}: detections numbered from its next index, then
     * the correlations, which may name these rules (by id, name or title) or rules already in the
     * compiler (Falco's) by name.
     */
    public void compileInto(RuleCompiler compiler) throws RuleLoadException {
        Map<String, Rule> byRef = new HashMap<>();
        for (Rule r : compiler.rules()) {
            byRef.put(r.name(), r);
        }
        Detection detection = new Detection(fields, compiler.projection());
        int index = compiler.nextIndex();
        List<Doc> correlationDocs = new ArrayList<>();
        for (Doc d : docs) {
            if (d.keys.containsKey("correlation")) {
                correlationDocs.add(d);
                continue;
            }
            String title = text(d, "title");
            String where = d.file + ":" + d.line() + ": Sigma rule '" + title + "'";
            if (!(d.keys.get("logsource") instanceof MappingNode ls)) {
                throw new RuleLoadException(where + ": no 'logsource' mapping");
            }
            Map<String, Node> lk = keys(ls);
            String product = lk.get("product") instanceof ScalarNode p ? p.getValue() : "";
            String service = lk.get("service") instanceof ScalarNode s ? s.getValue() : "";
            if (!product.equalsIgnoreCase("kubernetes") || !service.equalsIgnoreCase("audit")) {
                compiler.warning(where + ": logsource product '" + product + "' service '" + service
                        + "' is not kubernetes/audit; skipped");
                continue;
            }
            if (!(d.keys.get("detection") instanceof MappingNode det)) {
                throw new RuleLoadException(where + ": 'detection' must be a mapping");
            }
            Detection.Compiled c;
            try {
                c = detection.compile(det);
            } catch (Detection.Problem p) {
                throw new RuleLoadException(d.file + ":" + (p.line > 0 ? p.line : d.line()) + ": Sigma rule '" + title
                        + "': " + p.getMessage());
            }
            if (c.never()) {
                compiler.warning(where + " can never match: " + c.why());
            }
            OutputFormat output;
            try {
                output = compiler.output(title.replace("%", " percent") + " (user=%ka.user.name verb=%ka.verb"
                        + " resource=%ka.target.resource namespace=%ka.target.namespace name=%ka.target.name"
                        + " ip=%ka.sourceips)");
            } catch (CompileException e) {
                throw new IllegalStateException(e);
            }
            String id = optional(d, "id");
            Rule r = new Rule(title, optional(d, "description").strip(), level(d, where), "k8s_audit", tags(d), enabledOf(d),
                    c.condition(), conditionText(det), c.tree(), output, d.file, d.line(), index++, Rule.SIGMA, id);
            compiler.add(r);
            byRef.put(title, r);
            if (!id.isEmpty()) {
                byRef.put(id, r);
            }
            String name = optional(d, "name");
            if (!name.isEmpty()) {
                byRef.put(name, r);
            }
        }
        // correlations may name correlations defined earlier or later: register names first
        Map<String, Doc> corrNames = new HashMap<>();
        for (Doc d : correlationDocs) {
            for (String k : List.of("title", "id", "name")) {
                String v = optional(d, k);
                if (!v.isEmpty()) {
                    corrNames.put(v, d);
                }
            }
        }
        Map<Doc, Correlation> done = new LinkedHashMap<>();
        for (Doc d : correlationDocs) {
            correlation(compiler, d, byRef, corrNames, done, new ArrayList<>(), index + done.size());
        }
        for (Correlation c : done.values()) {
            compiler.add(c);
        }
    }

    private Correlation correlation(RuleCompiler compiler, Doc d, Map<String, Rule> byRef, Map<String, Doc> corrNames,
                                    Map<Doc, Correlation> done, List<Doc> stack, int index) throws RuleLoadException {
        if (done.containsKey(d)) {
            return done.get(d);
        }
        String title = text(d, "title");
        String where = d.file + ":" + d.line() + ": Sigma correlation '" + title + "'";
        if (stack.contains(d)) {
            throw new RuleLoadException(where + ": refers to itself through its rules");
        }
        stack.add(d);
        if (!(d.keys.get("correlation") instanceof MappingNode cm)) {
            throw new RuleLoadException(where + ": 'correlation' must be a mapping");
        }
        Map<String, Node> c = keys(cm);
        String type = c.get("type") instanceof ScalarNode t ? t.getValue() : "";
        if (!List.of("event_count", "value_count", "temporal", "temporal_ordered").contains(type)) {
            throw new RuleLoadException(where + ": type '" + type + "' is not supported (event_count, value_count,"
                    + " temporal, temporal_ordered)");
        }
        List<String> refs = strings(c.get("rules"), where + ": rules");
        if (refs.isEmpty()) {
            throw new RuleLoadException(where + ": 'rules' names no rule");
        }
        List<String> names = new ArrayList<>();
        Map<String, Correlation> inner = new HashMap<>();
        for (String ref : refs) {
            Rule r = byRef.get(ref);
            if (r == null && corrNames.containsKey(ref)) {
                Correlation x = correlation(compiler, corrNames.get(ref), byRef, corrNames, done, stack, index + 1);
                r = x.rule();
                inner.put(r.name(), x);
            }
            if (r == null) {
                throw new RuleLoadException(where + ": rules: no Sigma rule (id, name or title) or Falco rule named '"
                        + ref + "'");
            }
            names.add(r.name());
        }
        List<String> groupBy = c.containsKey("group-by") ? strings(c.get("group-by"), where + ": group-by") : List.of();
        Map<String, Map<String, String>> aliases = new HashMap<>();
        if (c.get("aliases") instanceof MappingNode am) {
            for (NodeTuple t : am.getValue()) {
                String alias = ((ScalarNode) t.getKeyNode()).getValue();
                if (!(t.getValueNode() instanceof MappingNode per)) {
                    throw new RuleLoadException(where + ": aliases: '" + alias + "' must map rule names to fields");
                }
                Map<String, String> m = new HashMap<>();
                for (NodeTuple p : per.getValue()) {
                    String ruleRef = ((ScalarNode) p.getKeyNode()).getValue();
                    Rule r = byRef.get(ruleRef);
                    String name = r != null ? r.name() : corrNames.containsKey(ruleRef)
                            ? text(corrNames.get(ruleRef), "title") : null;
                    if (name == null) {
                        throw new RuleLoadException(where + ": aliases: '" + alias + "' names an unknown rule '"
                                + ruleRef + "'");
                    }
                    m.put(name, ((ScalarNode) p.getValueNode()).getValue());
                }
                aliases.put(alias, m);
            }
        }
        String span = c.get("timespan") instanceof ScalarNode s ? s.getValue() : "";
        long spanNanos = duration(span, where);
        Map<String, Long> condition = new LinkedHashMap<>();
        String field = null;
        if (c.get("condition") instanceof MappingNode cond) {
            for (NodeTuple t : cond.getValue()) {
                String k = ((ScalarNode) t.getKeyNode()).getValue();
                String v = t.getValueNode() instanceof ScalarNode sv ? sv.getValue() : "";
                if (k.equals("field")) {
                    field = v;
                    continue;
                }
                if (!List.of("gt", "gte", "lt", "lte", "eq", "neq").contains(k)) {
                    throw new RuleLoadException(where + ": condition: '" + k + "' is not gt, gte, lt, lte, eq, neq"
                            + " or field");
                }
                try {
                    condition.put(k, Long.parseLong(v.trim()));
                } catch (NumberFormatException e) {
                    throw new RuleLoadException(where + ": condition: " + k + " needs a whole number, got '" + v + "'");
                }
            }
        } else if (c.containsKey("condition")) {
            throw new RuleLoadException(where + ": 'condition' must be a mapping such as {gte: 10}");
        }
        if (type.startsWith("temporal") && condition.isEmpty()) {
            condition.put("gte", (long) new java.util.LinkedHashSet<>(names).size());
        }
        if (condition.isEmpty()) {
            throw new RuleLoadException(where + ": " + type + " needs a condition (gt, gte, lt, lte, eq or neq)");
        }
        if (type.equals("value_count") && field == null) {
            throw new RuleLoadException(where + ": value_count needs 'field' in its condition");
        }
        Map<String, List<Function<AuditEvent, String>>> groupOf = new LinkedHashMap<>();
        Map<String, Function<AuditEvent, String>> fieldOf = new LinkedHashMap<>();
        for (String rule : names) {
            List<Function<AuditEvent, String>> readers = new ArrayList<>();
            for (String g : groupBy) {
                String f = aliases.containsKey(g) ? aliases.get(g).get(rule) : g;
                if (f == null) {
                    throw new RuleLoadException(where + ": alias '" + g + "' has no field for rule '" + rule + "'");
                }
                readers.add(inner.containsKey(rule) ? groupValueOf(inner.get(rule), f) : reader(compiler, f, where));
            }
            groupOf.put(rule, readers);
            if (field != null) {
                String f = aliases.containsKey(field) ? aliases.get(field).get(rule) : field;
                fieldOf.put(rule, reader(compiler, f == null ? field : f, where));
            }
        }
        boolean generate = c.containsKey("generate") ? bool(c.get("generate")) : d.keys.containsKey("generate")
                && bool(d.keys.get("generate"));
        String id = optional(d, "id");
        String text = type + " of " + String.join(", ", names) + (groupBy.isEmpty() ? "" : " by "
                + String.join(", ", groupBy)) + " within " + span + (field == null ? "" : " counting " + field) + ": "
                + condition;
        OutputFormat output;
        try {
            output = compiler.output(title.replace("%", " percent"));
        } catch (CompileException e) {
            throw new IllegalStateException(e);
        }
        Rule r = new Rule(title, optional(d, "description").strip(), level(d, where), "k8s_audit", tags(d), enabledOf(d),
                e -> false, text, new Ast.Or(List.of(), 0), output, d.file, d.line(), index, Rule.CORRELATION, id);
        Correlation x = new Correlation(r, type, List.copyOf(names), List.copyOf(groupBy), groupOf, fieldOf, field,
                spanNanos, condition, generate);
        stack.remove(d);
        done.put(d, x);
        return x;
    }

    /** Chained correlations: a group-by value of the inner correlation's alert, by the same name. */
    private static Function<AuditEvent, String> groupValueOf(Correlation inner, String name) {
        int i = inner.groupBy().indexOf(name);
        return e -> {
            if (i < 0 || !(e.root().get("__kaudit_group") instanceof io.kaudit.event.JsonArray a) || i >= a.size()) {
                return null;
            }
            return Values.text(a.get(i));
        };
    }

    /** Reads a group-by or value_count field: a Falco field (ka.user.name) or a Sigma field name. */
    private Function<AuditEvent, String> reader(RuleCompiler compiler, String f, String where) throws RuleLoadException {
        // every field a correlation reads is in the projection: its feeders' hits carry the projected event only
        if (f.equals("userAgentFamily")) {   // the client's product token: kubectl of kubectl/v1.30 (linux/amd64)
            compiler.projection().add(List.of("userAgent"));
            return e -> {
                if (!(e.root().get("userAgent") instanceof io.kaudit.event.JsonString s) || s.value().isBlank()) {
                    return null;
                }
                String ua = s.value().strip();
                int cut = ua.length();
                for (int i = 0; i < ua.length(); i++) {
                    char c = ua.charAt(i);
                    if (c == '/' || c == ' ' || c == '(') {
                        cut = i;
                        break;
                    }
                }
                return ua.substring(0, cut).toLowerCase(Locale.ROOT);
            };
        }
        FieldRef ref = FieldRef.parse(f);
        if (Fields.get(ref.name()) != null) {
            Getter g;
            try {
                g = compiler.field(ref);
            } catch (CompileException e) {
                throw new RuleLoadException(where + ": field '" + f + "': " + e.getMessage());
            }
            return e -> {
                Object v = g.get(e);
                return v == null ? null : v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                        : v.toString();
            };
        }
        List<List<String>> paths = fields.resolve(f);
        if (paths == null) {
            throw new RuleLoadException(where + ": unknown field '" + f + "' (not an audit event path, a SigmaHQ short"
                    + " name, a Falco field or in --sigma-mapping)");
        }
        paths.forEach(compiler.projection()::add);
        return e -> {
            List<String> vals = new ArrayList<>();
            for (List<String> p : paths) {
                Values.any(e.root(), p, 0, x -> {
                    String t = Values.text(x);
                    if (t != null) {
                        vals.add(t);
                    }
                    return false;
                });
            }
            return vals.isEmpty() ? null : String.join(",", vals);
        };
    }

    static long duration(String s, String where) throws RuleLoadException {
        if (!s.matches("\\d+[smhd]")) {
            throw new RuleLoadException(where + ": timespan '" + s + "' must be a number and s, m, h or d (10m)");
        }
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        long unit = switch (s.charAt(s.length() - 1)) {
            case 's' -> 1L;
            case 'm' -> 60L;
            case 'h' -> 3600L;
            default -> 86400L;
        };
        return n * unit * 1_000_000_000L;
    }

    private static Priority level(Doc d, String where) throws RuleLoadException {
        String level = optional(d, "level").toLowerCase(Locale.ROOT);
        if (level.isEmpty()) {
            return Priority.WARNING;
        }
        Priority p = LEVELS.get(level);
        if (p == null) {
            throw new RuleLoadException(where + ": level '" + level + "' is not informational, low, medium, high or"
                    + " critical");
        }
        return p;
    }

    private static List<String> tags(Doc d) throws RuleLoadException {
        Node n = d.keys.get("tags");
        return n == null ? List.of() : strings(n, d.file + ":" + d.line() + ": tags");
    }

    private static String conditionText(MappingNode det) {
        for (NodeTuple t : det.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("condition")) {
                if (t.getValueNode() instanceof ScalarNode s) {
                    return s.getValue();
                }
                if (t.getValueNode() instanceof SequenceNode seq) {
                    return String.join(" or ", seq.getValue().stream().map(n -> "(" + ((ScalarNode) n).getValue() + ")")
                            .toList());
                }
            }
        }
        return "";
    }

    private static List<String> strings(Node n, String where) throws RuleLoadException {
        if (n instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        if (!(n instanceof SequenceNode seq)) {
            throw new RuleLoadException(where + " must be a list of names");
        }
        List<String> out = new ArrayList<>();
        for (Node x : seq.getValue()) {
            if (!(x instanceof ScalarNode s)) {
                throw new RuleLoadException(where + " must be a list of names");
            }
            out.add(s.getValue());
        }
        return out;
    }

    private static boolean bool(Node n) {
        return n instanceof ScalarNode s && s.getValue().equalsIgnoreCase("true");
    }

    private static String text(Doc d, String key) throws RuleLoadException {
        if (!(d.keys.get(key) instanceof ScalarNode s) || s.getValue().isBlank()) {
            throw new RuleLoadException(d.file + ":" + d.line() + ": Sigma rule without a '" + key + "'");
        }
        return s.getValue().strip();
    }

    private static String optional(Doc d, String key) {
        return d.keys.get(key) instanceof ScalarNode s ? s.getValue() : "";
    }

    private static Map<String, Node> keys(MappingNode m) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                out.put(k.getValue(), t.getValueNode());
            }
        }
        return out;
    }
}
