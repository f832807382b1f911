package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast;
import io.kaudit.rule.CompileException;
import io.kaudit.rule.FieldDef;
import io.kaudit.rule.FieldSlots;
import io.kaudit.rule.Fields;
import io.kaudit.rule.Getter;
import io.kaudit.rule.Op;
import io.kaudit.rule.QueryParser;
import io.kaudit.rule.Requirements;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks, per event, the rules that can possibly match. From each rule's resolved condition it
 * derives the literal values a scalar field must take ({@code ka.target.resource in (roles,
 * clusterroles)} from {@code (role or clusterrole)}): a requirement implied by the condition, so
 * skipping rules that fail it never changes a result. The rules form a small decision tree: at
 * each level the most selective field (the smallest candidate list on average, over the values
 * rules name and "anything else") splits them by the event's value, down to a few levels or a
 * few rules. Lists keep rule order, so first-match is unaffected.
 *
 * <p>Sigma's plain values ({@link Op#SIGMA_EQ}) split on the same field as Falco's {@code =}:
 * they match ignoring case and through arrays, so they are kept lower-cased and an event whose
 * value is not plain lower-case ASCII text, or whose path runs through an array, tries every
 * rule of the node instead ({@code mixed}). Verbs and resources are always plain.
 */
final class RuleIndex {
    private static final int MAX_DEPTH = 3;
    private static final int SMALL = 2;

    /** Marks a requirement that holds ignoring case, as Sigma's: {@code FOLDED + "ka.verb"}. */
    private static final String FOLDED = "~";

    /**
     * A leaf ({@code key == null}: try {@code rules}) or a split on one field's value; {@code mixed}
     * (with the field's {@code path}) where some rule's requirement is Sigma's, else null.
     */
    private record Node(Getter key, String field, Map<String, Node> byValue, Node other, Node mixed, String[] path,
                        Rule[] rules) {
    }

    private final Node root;

    /** {@code slots}: the rule set's, so the split fields' values are read once per event with the rules'. */
    RuleIndex(List<Rule> rules, FieldSlots slots) {
        // by identity: a Rule is a record, and its hash would walk the whole condition tree
        Map<Rule, Map<String, Set<String>>> requirements = new IdentityHashMap<>();
        for (Rule r : rules) {
            requirements.put(r, requirements(r.tree()));
        }
        this.root = build(rules, requirements, Set.of(), slots);
    }

    /** The tree for {@code rules}, splitting on fields not in {@code used} (those of the levels above). */
    private static Node build(List<Rule> rules, Map<Rule, Map<String, Set<String>>> requirements, Set<String> used,
                             FieldSlots slots) {
        Node leaf = new Node(null, null, null, null, null, null, rules.toArray(new Rule[0]));
        if (used.size() == MAX_DEPTH || rules.size() <= SMALL) {
            return leaf;
        }
        Map<String, Map<Rule, Set<String>>> byField = new LinkedHashMap<>();
        Set<String> folded = new HashSet<>();
        for (Rule r : rules) {
            for (Map.Entry<String, Set<String>> e : requirements.get(r).entrySet()) {
                String field = e.getKey().startsWith(FOLDED) ? e.getKey().substring(FOLDED.length()) : e.getKey();
                if (!used.contains(field)) {
                    if (field != e.getKey()) {
                        folded.add(field);
                    }
                    byField.computeIfAbsent(field, k -> new IdentityHashMap<>())
                            .merge(r, e.getValue(), Requirements::intersect);
                }
            }
        }
        String best = null;
        double bestScore = rules.size() - 0.5;   // a split must cut the list, not just reshuffle it
        for (Map.Entry<String, Map<Rule, Set<String>>> e : byField.entrySet()) {
            double score = expectedCandidates(rules, e.getValue());
            if (score < bestScore) {
                best = e.getKey();
                bestScore = score;
            }
        }
        if (best == null) {
            return leaf;
        }
        Map<Rule, Set<String>> chosen = byField.get(best);
        Set<String> below = new HashSet<>(used);
        below.add(best);
        Set<String> values = new HashSet<>();
        chosen.values().forEach(values::addAll);
        Map<String, Node> byValue = new HashMap<>();
        for (String v : values) {
            List<Rule> sub = new ArrayList<>();
            for (Rule r : rules) {
                Set<String> allowed = chosen.get(r);
                if (allowed == null || allowed.contains(v)) {
                    sub.add(r);
                }
            }
            byValue.put(v, build(sub, requirements, below, slots));
        }
        List<Rule> open = new ArrayList<>();
        for (Rule r : rules) {
            if (!chosen.containsKey(r)) {
                open.add(r);
            }
        }
        Node mixed = null;
        String[] path = null;
        if (folded.contains(best)) {   // rare (see candidates): a leaf of every rule will do
            mixed = leaf;
            path = Fields.get(best).paths().apply(null).get(0).toArray(new String[0]);
        }
        return new Node(getter(best, slots), best, byValue, build(open, requirements, below, slots), mixed, path, null);
    }

    /** Mean candidate-list size over each named value and one unnamed value. */
    private static double expectedCandidates(List<Rule> rules, Map<Rule, Set<String>> constraint) {
        // each named value's list: the open rules and those allowing it; one pass over the sets
        Map<String, Integer> allowing = new HashMap<>();
        for (Set<String> allowed : constraint.values()) {
            for (String v : allowed) {
                allowing.merge(v, 1, Integer::sum);
            }
        }
        long open = rules.size() - constraint.size();
        long sum = open * (allowing.size() + 1);
        for (int n : allowing.values()) {
            sum += n;
        }
        return (double) sum / (allowing.size() + 1);
    }

    /** The rules to try for {@code e}, in rule order. */
    Rule[] candidates(AuditEvent e) {
        Node n = root;
        while (n.key != null) {
            Object v = n.key.get(e);
            if (n.mixed != null) {
                if (v == null) {   // none by Falco's reading (or no auditID: Falco's fields need one)
                    v = sigmaText(e.root(), n.path);
                }
                if (v == THROUGH_ARRAY || v instanceof String s && !plain(s)) {
                    n = n.mixed;
                    continue;
                }
            }
            Node next = v instanceof String s ? n.byValue.get(s) : null;
            n = next != null ? next : n.other;
        }
        return n.rules;
    }

    /** Text that equals a lower-case ASCII value ignoring case only if it equals it exactly (not an array's). */
    private static boolean plain(String s) {
        if (s.startsWith("[")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c >= 'A' && c <= 'Z') {
                return false;
            }
        }
        return true;
    }

    /** {@link #sigmaText}'s answer where an array lies on the path: Sigma would look at each of its items. */
    private static final Object THROUGH_ARRAY = new Object();

    /** The text at {@code path} through objects only (null if absent or an object), or {@link #THROUGH_ARRAY}. */
    private static Object sigmaText(JsonValue v, String[] path) {
        for (String key : path) {
            if (v instanceof JsonArray) {
                return THROUGH_ARRAY;
            }
            if (!(v instanceof JsonObject o)) {
                return null;
            }
            v = o.get(key);
        }
        return v instanceof JsonArray ? THROUGH_ARRAY : v == null || v instanceof JsonObject ? null : v.asText();
    }

    /** The field of the first split, or null when every event gets the same list. */
    String keyField() {
        return root.field;
    }

    private static Getter getter(String field, FieldSlots slots) {
        try {
            return QueryParser.field(field, new Projection(), slots).getter();
        } catch (CompileException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Field -> values it must equal for {@code e} to hold; only what the tree implies. */
    static Map<String, Set<String>> requirements(Ast.Expr e) {
        return Requirements.of(e, RuleIndex::leaf);
    }

    /**
     * {@code f = v}, {@code f in (...)} and {@code f intersects (...)} on a scalar string field, and
     * Sigma's plain value on the path such a field reads (lower-cased, as {@link #FOLDED}).
     */
    private static void leaf(Ast.Expr e, Map<String, Set<String>> out) {
        if (e instanceof Ast.Check c && c.op() == Op.SIGMA_EQ && c.left() instanceof Ast.FieldOperand f
                && f.arg() != null && f.arg().startsWith("/") && c.right() instanceof Ast.ValueOperand v
                && SIGMA_TOKEN.matcher(v.value()).matches()) {
            String field = Fields.scalarAt(List.of(f.arg().substring(1).split("/", -1)));
            if (field != null && isScalar(Fields.get(field))) {
                out.put(FOLDED + field, Set.of(v.value().toLowerCase(java.util.Locale.ROOT)));
            }
        } else if (e instanceof Ast.Check c && c.left() instanceof Ast.FieldOperand f && isScalar(f)) {
            if (c.op() == Op.EQ && c.right() instanceof Ast.ValueOperand v) {
                out.put(f.text(), Set.of(v.value()));
            } else if ((c.op() == Op.IN || c.op() == Op.INTERSECTS) && c.right() instanceof Ast.ListOperand l) {
                out.put(f.text(), new HashSet<>(l.values()));
            }
        }
    }

    private static boolean isScalar(Ast.FieldOperand f) {
        return isScalar(Fields.get(f.name()));
    }

    private static boolean isScalar(FieldDef d) {
        return d != null && !d.list() && !d.numeric();
    }

    /** ASCII words a Sigma value may be indexed by: lower-casing them is all its case folding does. */
    private static final java.util.regex.Pattern SIGMA_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]*");
}
