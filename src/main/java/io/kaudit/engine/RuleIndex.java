package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast;
import io.kaudit.rule.CompileException;
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
 */
final class RuleIndex {
    private static final int MAX_DEPTH = 3;
    private static final int SMALL = 2;

    /** A leaf ({@code key == null}: try {@code rules}) or a split on one field's value. */
    private record Node(Getter key, String field, Map<String, Node> byValue, Node other, Rule[] rules) {
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
        Node leaf = new Node(null, null, null, null, rules.toArray(new Rule[0]));
        if (used.size() == MAX_DEPTH || rules.size() <= SMALL) {
            return leaf;
        }
        Map<String, Map<Rule, Set<String>>> byField = new LinkedHashMap<>();
        for (Rule r : rules) {
            for (Map.Entry<String, Set<String>> e : requirements.get(r).entrySet()) {
                if (!used.contains(e.getKey())) {
                    byField.computeIfAbsent(e.getKey(), k -> new IdentityHashMap<>()).put(r, e.getValue());
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
        return new Node(getter(best, slots), best, byValue, build(open, requirements, below, slots), null);
    }

    /** Mean candidate-list size over each named value and one unnamed value. */
    private static double expectedCandidates(List<Rule> rules, Map<Rule, Set<String>> constraint) {
        Set<String> values = new HashSet<>();
        constraint.values().forEach(values::addAll);
        long open = rules.stream().filter(r -> !constraint.containsKey(r)).count();
        long sum = open;
        for (String v : values) {
            sum += open + constraint.values().stream().filter(s -> s.contains(v)).count();
        }
        return (double) sum / (values.size() + 1);
    }

    /** The rules to try for {@code e}, in rule order. */
    Rule[] candidates(AuditEvent e) {
        Node n = root;
        while (n.key != null) {
            Node next = n.key.get(e) instanceof String s ? n.byValue.get(s) : null;
            n = next != null ? next : n.other;
        }
        return n.rules;
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

    /** {@code f = v}, {@code f in (...)} and {@code f intersects (...)} on a scalar string field. */
    private static void leaf(Ast.Expr e, Map<String, Set<String>> out) {
        if (e instanceof Ast.Check c && c.left() instanceof Ast.FieldOperand f && isScalar(f)) {
            if (c.op() == Op.EQ && c.right() instanceof Ast.ValueOperand v) {
                out.put(f.text(), Set.of(v.value()));
            } else if ((c.op() == Op.IN || c.op() == Op.INTERSECTS) && c.right() instanceof Ast.ListOperand l) {
                out.put(f.text(), new HashSet<>(l.values()));
            }
        }
    }

    private static boolean isScalar(Ast.FieldOperand f) {
        return Fields.get(f.name()) != null && !Fields.get(f.name()).list() && !Fields.get(f.name()).numeric();
    }
}
