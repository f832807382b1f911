package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast;
import io.kaudit.rule.CompileException;
import io.kaudit.rule.ConditionCompiler;
import io.kaudit.rule.Fields;
import io.kaudit.rule.Getter;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks, per event, the rules that can possibly match. From each rule's resolved condition it
 * derives the literal values a scalar field must take ({@code ka.target.resource in (roles,
 * clusterroles)} from {@code (role or clusterrole)}): a requirement implied by the condition, so
 * skipping rules that fail it never changes a result. The most selective field becomes the key
 * (the smallest candidate list on average, over the values rules name and "anything else"); an
 * event's value selects a precomputed list in rule order (so first-match is unaffected).
 */
final class RuleIndex {
    private final Getter key;
    private final String keyField;
    private final Map<String, Rule[]> byValue;
    private final Rule[] unconstrained;

    RuleIndex(List<Rule> rules) {
        Map<String, Map<Rule, Set<String>>> requirements = new LinkedHashMap<>();
        for (Rule r : rules) {
            Map<String, Set<String>> req = requirements(r.tree());
            for (Map.Entry<String, Set<String>> e : req.entrySet()) {
                requirements.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(r, e.getValue());
            }
        }
        String best = null;
        double bestScore = rules.size();
        for (Map.Entry<String, Map<Rule, Set<String>>> e : requirements.entrySet()) {
            double score = expectedCandidates(rules, e.getValue());
            if (score < bestScore) {
                best = e.getKey();
                bestScore = score;
            }
        }
        Map<Rule, Set<String>> chosen = best == null ? Map.of() : requirements.get(best);
        List<Rule> open = new ArrayList<>();
        Set<String> values = new HashSet<>();
        for (Rule r : rules) {
            if (chosen.containsKey(r)) {
                values.addAll(chosen.get(r));
            } else {
                open.add(r);
            }
        }
        Map<String, Rule[]> map = new HashMap<>();
        for (String v : values) {
            List<Rule> list = new ArrayList<>();
            for (Rule r : rules) {
                Set<String> allowed = chosen.get(r);
                if (allowed == null || allowed.contains(v)) {
                    list.add(r);
                }
            }
            map.put(v, list.toArray(new Rule[0]));
        }
        this.keyField = best;
        this.byValue = map;
        this.unconstrained = open.toArray(new Rule[0]);
        this.key = best == null ? null : getter(best);
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
        if (key == null) {
            return unconstrained;
        }
        Object v = key.get(e);
        if (!(v instanceof String s)) {
            return unconstrained;
        }
        Rule[] list = byValue.get(s);
        return list == null ? unconstrained : list;
    }

    String keyField() {
        return keyField;
    }

    private static Getter getter(String field) {
        int bracket = field.indexOf('[');
        Ast.FieldOperand op = bracket < 0 ? new Ast.FieldOperand(field, null, 0)
                : new Ast.FieldOperand(field.substring(0, bracket), field.substring(bracket + 1, field.length() - 1), 0);
        try {
            return new ConditionCompiler(new Projection()).bind(op).getter();
        } catch (CompileException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Field -> values it must equal for {@code e} to hold; only what the tree implies. */
    static Map<String, Set<String>> requirements(Ast.Expr e) {
        Map<String, Set<String>> out = new HashMap<>();
        if (e instanceof Ast.And a) {
            for (Ast.Expr c : a.children()) {
                for (Map.Entry<String, Set<String>> r : requirements(c).entrySet()) {
                    out.merge(r.getKey(), r.getValue(), (x, y) -> {
                        Set<String> both = new HashSet<>(x);
                        both.retainAll(y);
                        return both;
                    });
                }
            }
        } else if (e instanceof Ast.Or o) {
            Map<String, Set<String>> union = null;
            for (Ast.Expr c : o.children()) {
                Map<String, Set<String>> r = requirements(c);
                if (union == null) {
                    union = new HashMap<>(r);
                } else {
                    union.keySet().retainAll(r.keySet());
                    for (Map.Entry<String, Set<String>> u : union.entrySet()) {
                        Set<String> merged = new HashSet<>(u.getValue());
                        merged.addAll(r.get(u.getKey()));
                        u.setValue(merged);
                    }
                }
            }
            if (union != null) {
                out.putAll(union);
            }
        } else if (e instanceof Ast.Check c && c.left() instanceof Ast.FieldOperand f && isScalar(f)) {
            if (c.op().equals("=") && c.right() instanceof Ast.ValueOperand v) {
                out.put(f.text(), Set.of(v.value()));
            } else if ((c.op().equals("in") || c.op().equals("intersects")) && c.right() instanceof Ast.ListOperand l) {
                out.put(f.text(), new HashSet<>(l.values()));
            }
        }
        return out;
    }

    private static boolean isScalar(Ast.FieldOperand f) {
        return Fields.get(f.name()) != null && !Fields.get(f.name()).list() && !Fields.get(f.name()).numeric();
    }
}
