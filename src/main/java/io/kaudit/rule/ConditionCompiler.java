package io.kaudit.rule;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.kaudit.event.Projection;
import io.kaudit.rule.Ast.And;
import io.kaudit.rule.Ast.Check;
import io.kaudit.rule.Ast.Expr;
import io.kaudit.rule.Ast.FieldOperand;
import io.kaudit.rule.Ast.ListOperand;
import io.kaudit.rule.Ast.MacroRef;
import io.kaudit.rule.Ast.Not;
import io.kaudit.rule.Ast.Operand;
import io.kaudit.rule.Ast.Or;
import io.kaudit.rule.Ast.TransformOperand;
import io.kaudit.rule.Ast.ValOperand;
import io.kaudit.rule.Ast.ValueOperand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Compiles a macro-free condition tree into a {@link Condition}, with Falco's semantics: an absent
 * field makes every check false (only {@code not} turns that true); list fields take only
 * {@code in} (every element in the set), {@code intersects} (some element) and {@code exists};
 * regular expressions are RE2 (linear time), matched against the whole value. Every field the
 * condition reads is added to the {@link Projection} so the decoder keeps it.
 */
public final class ConditionCompiler implements Ast.Visitor<Condition, CompileException> {
    private final Projection projection;
    /** Where bound fields keep their value per event; null: each read extracts it again. */
    private final FieldSlots slots;

    /** A compiler whose fields are not cached per event (one-off bindings: a test, a REPL column). */
    public ConditionCompiler(Projection projection) {
        this(projection, null);
    }

    /** A compiler whose fields are cached in {@code slots}, shared by every getter that reads the same events. */
    public ConditionCompiler(Projection projection, FieldSlots slots) {
        this.projection = projection;
        this.slots = slots;
    }

    public Condition compile(Expr e) throws CompileException {
        return e.accept(this);
    }

    @Override
    public Condition and(And a) throws CompileException {
        Condition[] cs = compileAll(a.children());
        return ev -> {
            for (Condition c : cs) {
                if (!c.test(ev)) {
                    return false;
                }
            }
            return true;
        };
    }

    @Override
    public Condition or(Or o) throws CompileException {
        Condition[] cs = compileAll(o.children());
        return ev -> {
            for (Condition c : cs) {
                if (c.test(ev)) {
                    return true;
                }
            }
            return false;
        };
    }

    @Override
    public Condition not(Not n) throws CompileException {
        Condition c = compile(n.child());
        return ev -> !c.test(ev);
    }

    @Override
    public Condition macro(MacroRef m) throws CompileException {
        throw new CompileException("undefined macro '" + m.name() + "'", m.pos());
    }

    private Condition[] compileAll(List<Expr> es) throws CompileException {
        Condition[] cs = new Condition[es.size()];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = compile(es.get(i));
        }
        return cs;
    }

    /** A field (possibly transformed) bound to its getter. */
    public record Bound(String text, Getter getter, boolean list, boolean numeric, boolean transformed) {
    }

    public Bound bind(Operand op) throws CompileException {
        if (op instanceof FieldOperand f) {
            FieldDef def = Fields.get(f.name());
            if (def == null) {
                throw new CompileException("unknown field '" + f.name() + "'" + Fields.didYouMean(f.name()), f.pos());
            }
            if (def.arg() == FieldDef.Arg.REQUIRED && (f.arg() == null || f.arg().isEmpty() && !f.name().endsWith(".value"))) {
                throw new CompileException("field '" + f.name() + "' needs an argument: " + f.name() + "[...]", f.pos());
            }
            if (def.arg() == FieldDef.Arg.NONE && f.arg() != null) {
                throw new CompileException("field '" + f.name() + "' takes no argument", f.pos());
            }
            Getter g;
            try {
                g = def.binder().apply(f.arg());
            } catch (IllegalArgumentException bad) {
                throw new CompileException(f.name() + ": " + bad.getMessage(), f.pos());
            }
            for (List<String> path : def.paths().apply(f.arg())) {
                projection.add(path);
            }
            return new Bound(f.text(), slots == null ? g : slots.memoize(f.text(), g), def.list(), def.numeric(), false);
        }
        if (op instanceof TransformOperand t) {
            Bound inner = bind(t.arg());
            Getter g = inner.getter();
            String text = t.function() + "(" + inner.text() + ")";
            switch (t.function()) {
                case "tolower":
                    return new Bound(text, map(g, s -> s.toLowerCase(Locale.ROOT)), inner.list(), false, true);
                case "toupper":
                    return new Bound(text, map(g, s -> s.toUpperCase(Locale.ROOT)), inner.list(), false, true);
                case "basename":
                    return new Bound(text, map(g, s -> s.substring(s.lastIndexOf('/') + 1)), inner.list(), false, true);
                case "b64":
                    return new Bound(text, map(g, ConditionCompiler::base64), inner.list(), false, true);
                case "len":
                    return new Bound(text, ev -> {
                        Object v = g.get(ev);
                        if (v == null) {
                            return null;
                        }
                        return v instanceof List<?> l ? Integer.toString(l.size())
                                : Integer.toString(((String) v).getBytes(StandardCharsets.UTF_8).length);
                    }, false, true, true);
                default:
                    throw new CompileException("unsupported transformer '" + t.function() + "'", t.pos());
            }
        }
        if (op instanceof ValOperand v) {
            return bind(v.field());
        }
        throw new CompileException("expected a field", op.pos());
    }

    /** Applies {@code f} to a scalar or to each element; a null result makes the value absent. */
    private static Getter map(Getter g, UnaryOperator<String> f) {
        return ev -> {
            Object v = g.get(ev);
            if (v == null) {
                return null;
            }
            if (v instanceof String s) {
                return f.apply(s);
            }
            List<?> in = (List<?>) v;
            List<String> out = new ArrayList<>(in.size());
            for (Object o : in) {
                String r = f.apply((String) o);
                if (r == null) {
                    return null;
                }
                out.add(r);
            }
            return out;
        };
    }

    private static String base64(String s) {
        try {
            return new String(Base64.getDecoder().decode(s.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Binds one field reference such as {@code ka.user.name} or {@code ka.uri.param[command]}. */
    public Bound bind(FieldRef ref) throws CompileException {
        return bind(ref.operand(0));
    }

    @Override
    public Condition check(Check c) throws CompileException {
        Bound left = bind(c.left());
        Getter g = left.getter();
        Op op = c.op();
        if (op == Op.SIGMA || op == Op.SIGMA_EQ) {
            throw new CompileException("a Sigma match is compiled by the Sigma loader", c.pos());
        }
        boolean rawTime = c.left() instanceof FieldOperand f && f.arg() == null && Fields.isEventTimeText(f.name());
        if (op == Op.EXISTS) {
            return rawTime ? ev -> true : ev -> g.get(ev) != null;   // every event has a time
        }
        if (rawTime && (op == Op.EQ || op == Op.NE) && c.right() instanceof ValueOperand v
                && v.value().matches("0|-?[1-9][0-9]{0,17}")) {
            // Falco's toggles k8s_audit_always_true/never_true test jevt.rawtime in every rule that
            // uses them: compare the number, not its decimal text made for each event
            long n = Long.parseLong(v.value());
            boolean equal = op == Op.EQ;
            return ev -> (ev.timeNanos() == n) == equal;
        }
        if (left.list() && op != Op.IN && op != Op.INTERSECTS) {
            throw new CompileException("operator '" + op + "' is not supported on list field '" + left.text()
                    + "' (only in, intersects and exists are)", c.pos());
        }
        if (op.takesList()) {
            return setCheck(left, op, c.right());
        }
        if (c.right() instanceof ValOperand || c.right() instanceof TransformOperand) {
            Bound right = bind(c.right());
            Getter rg = right.getter();
            StringCompare cmp = comparison(op, left.numeric() || right.numeric(), c);
            return ev -> {
                Object v = g.get(ev);
                Object r = rg.get(ev);
                return v instanceof String vs && r instanceof String rs && cmp.test(vs, rs);
            };
        }
        String r = ((ValueOperand) c.right()).value();
        Predicate<String> p = predicate(op, r, left.numeric(), c);
        return ev -> g.get(ev) instanceof String v && p.test(v);
    }

    private Condition setCheck(Bound left, Op op, Operand right) throws CompileException {
        Getter g = left.getter();
        if (right instanceof ValOperand || right instanceof TransformOperand) {
            Getter rg = bind(right).getter();
            return ev -> {
                Object v = g.get(ev);
                Object r = rg.get(ev);
                if (v == null || r == null) {
                    return false;
                }
                Set<String> set = r instanceof String s ? Set.of(s) : new HashSet<>(strings(r));
                return inSet(v, set, op);
            };
        }
        List<String> values = ((ListOperand) right).values();
        if (op == Op.PMATCH) {
            List<String> prefixes = List.copyOf(values);
            return ev -> g.get(ev) instanceof String v && pathMatch(v, prefixes);
        }
        Set<String> set = Set.copyOf(new HashSet<>(values));
        return ev -> {
            Object v = g.get(ev);
            return v != null && inSet(v, set, op);
        };
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object v) {
        return (List<String>) v;
    }

    private static boolean inSet(Object v, Set<String> set, Op op) {
        if (v instanceof String s) {
            return set.contains(s);
        }
        List<String> values = strings(v);
        if (op == Op.IN) {
            for (String s : values) {
                if (!set.contains(s)) {
                    return false;
                }
            }
            return true;
        }
        for (String s : values) {
            if (set.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** {@code v} is one of the paths or lies below one of them. */
    private static boolean pathMatch(String v, List<String> prefixes) {
        for (String p : prefixes) {
            String base = p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
            if (v.equals(base) || v.startsWith(base.equals("/") ? "/" : base + "/")) {
                return true;
            }
        }
        return false;
    }

    @FunctionalInterface
    private interface StringCompare {
        boolean test(String value, String right);
    }

    private static StringCompare comparison(Op op, boolean numeric, Check c) throws CompileException {
        switch (op) {
            case EQ:
                return numeric ? (v, r) -> compare(v, r, true) == 0 : String::equals;
            case NE:
                return numeric ? (v, r) -> compare(v, r, true) != 0 : (v, r) -> !v.equals(r);
            case LT:
                return (v, r) -> compare(v, r, numeric) < 0;
            case LE:
                return (v, r) -> compare(v, r, numeric) <= 0;
            case GT:
                return (v, r) -> compare(v, r, numeric) > 0;
            case GE:
                return (v, r) -> compare(v, r, numeric) >= 0;
            case CONTAINS:
                return String::contains;
            case ICONTAINS:
                return (v, r) -> v.toLowerCase(Locale.ROOT).contains(r.toLowerCase(Locale.ROOT));
            case STARTSWITH:
                return String::startsWith;
            case ENDSWITH:
                return String::endsWith;
            case GLOB:
                return (v, r) -> Glob.matches(r, v);
            case IGLOB:
                return (v, r) -> Glob.matches(r.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT));
            default:
                throw new CompileException("operator '" + op + "' cannot compare with val() or a transformer", c.pos());
        }
    }

    private static Predicate<String> predicate(Op op, String r, boolean numeric, Check c) throws CompileException {
        switch (op) {
            case EQ:
                return numeric ? v -> compare(v, r, true) == 0 : r::equals;
            case NE:
                return numeric ? v -> compare(v, r, true) != 0 : v -> !r.equals(v);
            case CONTAINS:
                return v -> v.contains(r);
            case ICONTAINS: {
                String lower = r.toLowerCase(Locale.ROOT);
                return v -> v.toLowerCase(Locale.ROOT).contains(lower);
            }
            case STARTSWITH:
                return v -> v.startsWith(r);
            case ENDSWITH:
                return v -> v.endsWith(r);
            case BCONTAINS:
            case BSTARTSWITH: {
                byte[] needle = hex(r, c);
                boolean prefix = op == Op.BSTARTSWITH;
                return v -> bytesMatch(v.getBytes(StandardCharsets.UTF_8), needle, prefix);
            }
            case GLOB:
                return v -> Glob.matches(r, v);
            case IGLOB: {
                String lower = r.toLowerCase(Locale.ROOT);
                return v -> Glob.matches(lower, v.toLowerCase(Locale.ROOT));
            }
            case REGEX: {
                Pattern pattern;
                try {
                    pattern = Pattern.compile(r);
                } catch (PatternSyntaxException bad) {
                    throw new CompileException("invalid regular expression '" + r + "': " + bad.getDescription(),
                            c.right().pos());
                }
                return v -> pattern.matches(v);
            }
            case LT:
            case LE:
            case GT:
            case GE:
                return compareWith(op, r, numeric);
            default:
                throw new CompileException("unknown operator '" + op + "'", c.pos());
        }
    }

    private static Predicate<String> compareWith(Op op, String r, boolean numeric) {
        switch (op) {
            case LT:
                return v -> compare(v, r, numeric) < 0;
            case LE:
                return v -> compare(v, r, numeric) <= 0;
            case GT:
                return v -> compare(v, r, numeric) > 0;
            default:
                return v -> compare(v, r, numeric) >= 0;
        }
    }

    /** Numbers compare as numbers; strings compare byte-wise like strcmp (Falco on string fields). */
    private static int compare(String v, String r, boolean numeric) {
        if (numeric) {
            try {
                return Double.compare(number(v), number(r));
            } catch (NumberFormatException e) {
                return v.compareTo(r);
            }
        }
        return v.compareTo(r);
    }

    private static double number(String s) {
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseLong(s.substring(2), 16);
        }
        return Double.parseDouble(s);
    }

    private static byte[] hex(String r, Check c) throws CompileException {
        String h = r.length() % 2 == 0 ? r : null;
        if (h == null || !h.matches("[0-9a-fA-F]*")) {
            throw new CompileException("'" + r + "' is not a hex string", c.right().pos());
        }
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    private static boolean bytesMatch(byte[] hay, byte[] needle, boolean prefix) {
        int last = prefix ? 0 : hay.length - needle.length;
        outer:
        for (int i = 0; i <= last && i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
