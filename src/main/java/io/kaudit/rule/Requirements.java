package io.kaudit.rule;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a condition implies about single fields: field -> the values it must take for the condition
 * to hold. {@code and} intersects its children's sets; {@code or} keeps the fields every child
 * constrains, with the union of their values; any other node is read by the caller's {@link Leaf}
 * (the rule index and the audit-policy check keep different fields).
 */
public final class Requirements {
    /** Adds to {@code out} what one node that is neither {@code and} nor {@code or} implies, if anything. */
    @FunctionalInterface
    public interface Leaf {
        void read(Ast.Expr e, Map<String, Set<String>> out);
    }

    private Requirements() {
    }

    /** Field -> values it must equal for {@code e} to hold; only what the tree implies. */
    public static Map<String, Set<String>> of(Ast.Expr e, Leaf leaf) {
        Map<String, Set<String>> out = new HashMap<>();
        if (e instanceof Ast.And a) {
            for (Ast.Expr c : a.children()) {
                of(c, leaf).forEach((k, v) -> out.merge(k, v, Requirements::intersect));
            }
        } else if (e instanceof Ast.Or o) {
            Map<String, Set<String>> union = null;
            for (Ast.Expr c : o.children()) {
                Map<String, Set<String>> r = of(c, leaf);
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
        } else {
            leaf.read(e, out);
        }
        return out;
    }

    /** The values in both. */
    public static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }
}
