package io.kaudit.rule.sigma;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast;
import io.kaudit.rule.Op;
import io.kaudit.rule.Condition;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Compiles a Sigma {@code detection} to a {@link Condition} and a condition tree of the project's
 * {@link Ast} (And, Or, Not and one Check of {@link Op#SIGMA} per field value, on the field it
 * reads, or of {@link Op#SIGMA_EQ} for a plain value), so the analyses that read trees, the rule
 * index among them, see Sigma rules too.
 */
final class Detection {
    private static final Set<String> MODIFIERS = Set.of("contains", "startswith", "endswith", "all", "re", "i", "m",
            "s", "cidr", "exists", "base64", "base64offset", "windash", "gt", "gte", "lt", "lte", "expand", "cased",
            "neq", "fieldref");

    /** A compiled selection (or any sub-expression): how to test it, its tree, and whether it can never hold. */
    record Compiled(Condition condition, Ast.Expr tree, boolean never, String why) {
    }

    /** Thrown with a message naming the field or part at fault; the loader adds file, line and rule. */
    static class Problem extends Exception {
        final int line;

        Problem(String message, Node at) {
            super(message);
            this.line = at == null || at.getStartMark() == null ? 0 : at.getStartMark().getLine() + 1;
        }
    }

    private final SigmaFields fields;
    private final Projection projection;

    Detection(SigmaFields fields, Projection projection) {
        this.fields = fields;
        this.projection = projection;
    }

    /** The rule's detection: every named selection, combined by its condition. */
    Compiled compile(MappingNode detection) throws Problem {
        Map<String, Compiled> named = new LinkedHashMap<>();
        Node condition = null;
        for (NodeTuple t : detection.getValue()) {
            String key = scalar(t.getKeyNode());
            if (key.equals("condition")) {
                condition = t.getValueNode();
            } else if (!key.equals("timeframe")) {
                named.put(key, selection(key, t.getValueNode()));
            }
        }
        if (condition == null) {
            throw new Problem("detection has no 'condition'", detection);
        }
        List<String> texts = new ArrayList<>();
        if (condition instanceof SequenceNode seq) {
            for (Node n : seq.getValue()) {
                texts.add(scalar(n));
            }
        } else {
            texts.add(scalar(condition));
        }
        List<Compiled> alternatives = new ArrayList<>();
        for (String text : texts) {
            try {
                alternatives.add(new ConditionText(text, named).parse());
            } catch (IllegalArgumentException e) {
                throw new Problem("condition '" + text + "': " + e.getMessage(), condition);
            }
        }
        return alternatives.size() == 1 ? alternatives.get(0) : or(alternatives);
    }

    // ------------------------------------------------------------------ selections

    private Compiled selection(String name, Node n) throws Problem {
        if (n instanceof MappingNode m) {
            return map(m);
        }
        if (n instanceof SequenceNode seq) {
            boolean maps = !seq.getValue().isEmpty() && seq.getValue().stream().allMatch(x -> x instanceof MappingNode);
            if (maps) {
                List<Compiled> parts = new ArrayList<>();
                for (Node x : seq.getValue()) {
                    parts.add(map((MappingNode) x));
                }
                return or(parts);
            }
            return keywords(seq.getValue());
        }
        if (n instanceof ScalarNode) {
            return keywords(List.of(n));
        }
        throw new Problem("selection '" + name + "' must be a map, a list of maps or a list of keywords", n);
    }

    /** Keywords: a value anywhere in the event (any string, number or boolean in it). */
    private Compiled keywords(List<Node> values) throws Problem {
        projection.add(List.of());
        List<Compiled> parts = new ArrayList<>();
        for (Node v : values) {
            Predicate<String> p = Values.wildcard("*" + scalar(v) + "*", false);
            parts.add(new Compiled(e -> anywhere(e.root(), p), check("keywords", scalar(v)), false,
                    null));
        }
        return or(parts);
    }

    private static boolean anywhere(JsonValue v, Predicate<String> p) {
        if (v instanceof JsonObject o) {
            for (int i = 0; i < o.size(); i++) {
                if (anywhere(o.valueAt(i), p)) {
                    return true;
                }
            }
            return false;
        }
        if (v instanceof io.kaudit.event.JsonArray a) {
            for (JsonValue x : a.items()) {
                if (anywhere(x, p)) {
                    return true;
                }
            }
            return false;
        }
        String t = Values.text(v);
        return t != null && p.test(t);
    }

    private Compiled map(MappingNode m) throws Problem {
        List<Compiled> parts = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            parts.add(field(scalar(t.getKeyNode()), t.getKeyNode(), t.getValueNode()));
        }
        return and(parts);
    }

    /** One {@code field|modifier...: value(s)} item. */
    private Compiled field(String key, Node keyNode, Node valueNode) throws Problem {
        String[] parts = key.split("\\|", -1);
        String field = parts[0];
        List<String> mods = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String mod = parts[i].toLowerCase(Locale.ROOT);
            if (!MODIFIERS.contains(mod)) {
                throw new Problem("field '" + field + "': unknown or unsupported modifier '" + parts[i] + "'", keyNode);
            }
            mods.add(mod);
        }
        if (field.isEmpty()) {   // |modifier: keywords with modifiers
            throw new Problem("a value without a field name (keywords with modifiers) is not supported", keyNode);
        }
        List<List<String>> paths = fields.resolve(field);
        if (paths == null) {
            throw new UnknownField(field, keyNode);
        }
        for (List<String> p : paths) {
            projection.add(p);
        }
        List<Node> values = valueNode instanceof SequenceNode seq ? seq.getValue() : List.of(valueNode);
        if (values.isEmpty()) {
            throw new Problem("field '" + field + "' has an empty list of values", valueNode);
        }
        boolean all = mods.contains("all");
        boolean cased = mods.contains("cased");
        boolean neq = mods.contains("neq");
        String pointer = "/" + String.join("/", paths.get(0));

        if (mods.contains("exists")) {
            if (values.size() != 1 || !(values.get(0) instanceof ScalarNode s) || !isBool(s)) {
                throw new Problem("field '" + field + "|exists' takes true or false", valueNode);
            }
            boolean want = Boolean.parseBoolean(s.getValue().toLowerCase(Locale.ROOT));
            Condition has = e -> anyPath(e, paths, v -> true);
            return new Compiled(want ? has : e -> !has.test(e), check(pointer, s.getValue()), false, null);
        }
        if (mods.contains("fieldref")) {
            List<Compiled> refs = new ArrayList<>();
            for (Node v : values) {
                String other = scalar(v);
                List<List<String>> otherPaths = fields.resolve(other);
                if (otherPaths == null) {
                    throw new UnknownField(other, v);
                }
                otherPaths.forEach(projection::add);
                Condition c = e -> {
                    List<String> mine = texts(e, paths);
                    List<String> theirs = texts(e, otherPaths);
                    for (String a : mine) {
                        for (String b : theirs) {
                            if (cased ? a.equals(b) : a.equalsIgnoreCase(b)) {
                                return true;
                            }
                        }
                    }
                    return false;
                };
                refs.add(new Compiled(neq ? negate(c) : c, check(pointer, other), false, null));
            }
            return all ? and(refs) : or(refs);
        }

        List<Compiled> each = new ArrayList<>();
        for (Node v : values) {
            each.add(value(field, paths, pointer, mods, v));
        }
        Compiled c = all ? and(each) : or(each);
        if (neq) {
            return new Compiled(negate(c.condition()), new Ast.Not(c.tree(), 0), false, null);
        }
        return c;
    }

    private Compiled value(String field, List<List<String>> paths, String pointer, List<String> mods,
                           Node v) throws Problem {
        if (!(v instanceof ScalarNode s)) {
            throw new Problem("field '" + field + "': values must be scalars", v);
        }
        boolean isNull = s.getTag().equals(Tag.NULL);
        if (isNull) {
            Condition c = e -> !anyPath(e, paths, x -> !Values.isNull(x));
            return new Compiled(c, check(pointer, "null"), false, null);
        }
        String raw = s.getValue();
        boolean cased = mods.contains("cased");
        for (String cmp : List.of("gt", "gte", "lt", "lte")) {
            if (mods.contains(cmp)) {
                BigDecimal bound = Values.number(raw);
                if (bound == null) {
                    throw new Problem("field '" + field + "|" + cmp + "': '" + raw + "' is not a number", v);
                }
                Condition c = e -> anyPath(e, paths, x -> {
                    BigDecimal n = Values.number(Values.text(x));
                    if (n == null) {
                        return false;
                    }
                    int r = n.compareTo(bound);
                    return switch (cmp) {
                        case "gt" -> r > 0;
                        case "gte" -> r >= 0;
                        case "lt" -> r < 0;
                        default -> r <= 0;
                    };
                });
                return new Compiled(c, check(pointer, raw), false, null);
            }
        }
        if (mods.contains("cidr")) {
            Predicate<String> p;
            try {
                p = Values.cidr(raw);
            } catch (IllegalArgumentException e) {
                throw new Problem("field '" + field + "|cidr': " + e.getMessage(), v);
            }
            return new Compiled(textCheck(paths, p), check(pointer, raw), false, null);
        }
        if (mods.contains("re")) {
            Predicate<String> p;
            try {
                p = Values.regex(raw, mods.contains("i"), mods.contains("m"), mods.contains("s"));
            } catch (com.google.re2j.PatternSyntaxException e) {
                throw new Problem("field '" + field + "|re': invalid regular expression: " + e.getMessage(), v);
            }
            return new Compiled(textCheck(paths, p), check(pointer, raw), false, null);
        }
        for (String m : mods) {
            if (m.equals("i") || m.equals("m") || m.equals("s")) {
                throw new Problem("field '" + field + "': '" + m + "' only applies to 're'", v);
            }
        }
        // transformations, in the order written, then the match kind
        List<String> strings = List.of(raw);
        boolean plain = true;   // no wildcard-bearing transformation yet: the value keeps its wildcards
        for (String m : mods) {
            switch (m) {
                case "expand" -> strings = expand(field, strings, v);
                case "windash" -> strings = windash(strings);
                case "base64" -> {
                    strings = strings.stream().map(x -> escape(Base64.getEncoder().encodeToString(
                            unescape(x).getBytes(StandardCharsets.UTF_8)))).toList();
                    plain = false;
                }
                case "base64offset" -> {
                    List<String> out = new ArrayList<>();
                    for (String x : strings) {
                        out.addAll(base64offset(unescape(x)).stream().map(Detection::escape).toList());
                    }
                    strings = out;
                    plain = false;
                }
                default -> {
                }
            }
        }
        boolean contains = mods.contains("contains");
        boolean starts = mods.contains("startswith");
        boolean ends = mods.contains("endswith");
        List<Compiled> out = new ArrayList<>();
        for (String x : strings) {
            String pattern = (contains || ends ? "*" : "") + x + (contains || starts ? "*" : "");
            Predicate<String> p = Values.wildcard(pattern, cased);
            boolean never = false;
            String why = null;
            if (fields.numeric(field) && !contains && !starts && !ends && plain
                    && !x.contains("*") && !x.contains("?") && !Values.isNumber(x)) {
                never = true;
                why = field + " is a number in audit events (an HTTP status code), never '" + x + "'";
            }
            // a plain value on one path is an equality the rule index can split on
            boolean equality = !contains && !starts && !ends && plain && !cased && paths.size() == 1
                    && x.chars().noneMatch(ch -> ch == '*' || ch == '?' || ch == '\\')
                    && paths.get(0).stream().noneMatch(k -> k.contains("/"));
            out.add(new Compiled(textCheck(paths, p), check(pointer, equality ? Op.SIGMA_EQ : Op.SIGMA, x), never, why));
        }
        return or(out);
    }

    private List<String> expand(String field, List<String> strings, Node v) throws Problem {
        List<String> out = new ArrayList<>();
        for (String s : strings) {
            List<String> acc = List.of("");
            int i = 0;
            while (i < s.length()) {
                int open = s.indexOf('%', i);
                int close = open < 0 ? -1 : s.indexOf('%', open + 1);
                if (open < 0 || close < 0) {
                    String rest = s.substring(i);
                    acc = acc.stream().map(a -> a + rest).toList();
                    break;
                }
                String lit = s.substring(i, open);
                String name = s.substring(open + 1, close);
                List<String> values = fields.placeholder(name);
                if (values == null) {
                    throw new Problem("field '" + field + "|expand': placeholder %" + name + "% has no values (give them"
                            + " in --sigma-mapping as a value_placeholders transformation)", v);
                }
                List<String> next = new ArrayList<>();
                for (String a : acc) {
                    for (String val : values) {
                        next.add(a + lit + val);
                    }
                }
                acc = next;
                i = close + 1;
            }
            out.addAll(acc);
        }
        return out;
    }

    /** pySigma's windash: a '-' or '/' not after a word character and before one, in each dash form. */
    static List<String> windash(List<String> strings) {
        String dashes = "-/\u2013\u2014\u2015";
        List<String> out = new ArrayList<>();
        for (String s : strings) {
            List<String> acc = List.of("");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean flag = (c == '-' || c == '/') && (i == 0 || !word(s.charAt(i - 1)))
                        && i + 1 < s.length() && word(s.charAt(i + 1));
                List<String> next = new ArrayList<>();
                for (String a : acc) {
                    if (flag) {
                        for (int d = 0; d < dashes.length(); d++) {
                            next.add(a + dashes.charAt(d));
                        }
                    } else {
                        next.add(a + c);
                    }
                }
                acc = next;
            }
            out.addAll(acc);
        }
        return out;
    }

    private static boolean word(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** pySigma's base64offset: the value encoded at offsets 0, 1 and 2, trimmed to the stable part. */
    static List<String> base64offset(String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        int[] start = {0, 2, 3};
        int[] end = {0, -3, -2};   // 0: to the end
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] shifted = new byte[v.length + i];
            for (int k = 0; k < i; k++) {
                shifted[k] = ' ';
            }
            System.arraycopy(v, 0, shifted, i, v.length);
            String b = Base64.getEncoder().encodeToString(shifted);
            int e = end[(v.length + i) % 3];
            int to = e == 0 ? b.length() : b.length() + e;
            out.add(b.substring(Math.min(start[i], to), to));
        }
        return out;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && "*?\\".indexOf(s.charAt(i + 1)) >= 0) {
                b.append(s.charAt(++i));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
    }

    // ------------------------------------------------------------------ helpers

    private static boolean anyPath(AuditEvent e, List<List<String>> paths, Predicate<JsonValue> p) {
        for (List<String> path : paths) {
            if (Values.any(e.root(), path, 0, p)) {
                return true;
            }
        }
        return false;
    }

    private static Condition textCheck(List<List<String>> paths, Predicate<String> p) {
        if (paths.size() == 1) {
            List<String> path = paths.get(0);
            Predicate<JsonValue> passes = x -> {
                String t = x == null ? null : Values.text(x);
                return t != null && p.test(t);
            };
            // a value, or any item of a list value, whose text passes p
            Predicate<JsonValue> matches = v -> v instanceof io.kaudit.event.JsonArray
                    ? Values.any(v, List.of(), 0, passes) : passes.test(v);
            if (path.size() == 1) {   // a top-level scalar: the common case, no walk
                String key = path.get(0);
                return e -> matches.test(e.root().get(key));
            }
            if (path.size() == 2) {
                String k0 = path.get(0);
                String k1 = path.get(1);
                return e -> {
                    if (!(e.root().get(k0) instanceof JsonObject o)) {
                        return e.root().get(k0) instanceof io.kaudit.event.JsonArray
                                && Values.any(e.root(), path, 0, passes);
                    }
                    return matches.test(o.get(k1));
                };
            }
        }
        return e -> anyPath(e, paths, x -> {
            String t = Values.text(x);
            return t != null && p.test(t);
        });
    }

    private static List<String> texts(AuditEvent e, List<List<String>> paths) {
        List<String> out = new ArrayList<>();
        anyPath(e, paths, x -> {
            String t = Values.text(x);
            if (t != null) {
                out.add(t);
            }
            return false;
        });
        return out;
    }

    private static Condition negate(Condition c) {
        return e -> !c.test(e);
    }

    private static Ast.Expr check(String pointer, String value) {
        return check(pointer, Op.SIGMA, value);
    }

    private static Ast.Expr check(String pointer, Op op, String value) {
        return new Ast.Check(new Ast.FieldOperand("jevt.value", pointer, 0), op, new Ast.ValueOperand(value, 0), 0);
    }

    static Compiled and(List<Compiled> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Condition[] cs = parts.stream().map(Compiled::condition).toArray(Condition[]::new);
        Condition c = e -> {
            for (Condition x : cs) {
                if (!x.test(e)) {
                    return false;
                }
            }
            return true;
        };
        String why = parts.stream().filter(Compiled::never).map(Compiled::why).findFirst().orElse(null);
        return new Compiled(c, new Ast.And(parts.stream().map(Compiled::tree).toList(), 0), why != null, why);
    }

    static Compiled or(List<Compiled> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Condition[] cs = parts.stream().map(Compiled::condition).toArray(Condition[]::new);
        Condition c = e -> {
            for (Condition x : cs) {
                if (x.test(e)) {
                    return true;
                }
            }
            return false;
        };
        boolean never = parts.stream().allMatch(Compiled::never);
        String why = never ? parts.stream().map(Compiled::why).distinct().reduce((a, b) -> a + "; " + b).orElse(null)
                : null;
        return new Compiled(c, new Ast.Or(parts.stream().map(Compiled::tree).toList(), 0), never, why);
    }

    static Compiled not(Compiled x) {
        Condition inner = x.condition();
        return new Compiled(e -> !inner.test(e), new Ast.Not(x.tree(), 0), false, null);
    }

    static String scalar(Node n) throws Problem {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw new Problem("expected a single value", n);
    }

    private static boolean isBool(ScalarNode s) {
        String v = s.getValue().toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("false");
    }

    /** A field neither the schema, the short names nor the mapping file knows. */
    static final class UnknownField extends Problem {
        final String field;

        UnknownField(String field, Node at) {
            super("unknown field '" + field + "' (not an audit event path, a SigmaHQ short name or in --sigma-mapping;"
                    + " a JSON pointer such as /requestObject/spec/x is a custom path)", at);
            this.field = field;
        }
    }
}
