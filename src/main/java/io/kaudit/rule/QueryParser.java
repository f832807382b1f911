package io.kaudit.rule;

import io.kaudit.event.Projection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles ad-hoc conditions (the REPL's queries) in the loaded rules' context: their lists are
 * substituted and their macros resolved, exactly as in a rule condition.
 */
public final class QueryParser {
    private final List<ListExpander.Named> lists;
    private final Map<String, Ast.Expr> macros;

    /** The names of the macros a query may use (for the REPL's completion). */
    public java.util.Set<String> macroNames() {
        return java.util.Collections.unmodifiableSet(macros.keySet());
    }

    QueryParser(List<ListExpander.Named> lists, Map<String, Ast.Expr> macros) {
        this.lists = lists;
        this.macros = macros;
    }

    /** A compiled query: the condition, the field references it reads, and the text as parsed. */
    public record Query(Condition condition, Set<String> fields, Projection projection, String text) {
    }

    /**
     * @throws ConditionSyntaxException with the position in {@code text} after list substitution
     * @throws CompileException         for unknown fields, macros or operators
     */
    public Query compile(String text) throws ConditionSyntaxException, CompileException {
        String expanded = ListExpander.expand(text, lists, new HashSet<>());
        Ast.Expr tree = resolve(ConditionParser.parse(expanded));
        Projection projection = new Projection();
        Condition c = new ConditionCompiler(projection).compile(tree);
        Set<String> fields = new HashSet<>();
        collectFields(tree, fields);
        return new Query(c, fields, projection, expanded);
    }

    /** Binds one field reference such as {@code ka.user.name} or {@code ka.uri.param[command]}. */
    public static ConditionCompiler.Bound field(String text, Projection projection) throws CompileException {
        int bracket = text.indexOf('[');
        Ast.FieldOperand op = bracket > 0 && text.endsWith("]")
                ? new Ast.FieldOperand(text.substring(0, bracket), text.substring(bracket + 1, text.length() - 1), 0)
                : new Ast.FieldOperand(text, null, 0);
        return new ConditionCompiler(projection).bind(op);
    }

    private Ast.Expr resolve(Ast.Expr e) throws CompileException {
        if (e instanceof Ast.MacroRef m) {
            Ast.Expr body = macros.get(m.name());
            if (body == null) {
                throw new CompileException("unknown field or macro '" + m.name() + "'", m.pos());
            }
            return body;
        }
        if (e instanceof Ast.And a) {
            List<Ast.Expr> out = new ArrayList<>();
            for (Ast.Expr c : a.children()) {
                out.add(resolve(c));
            }
            return new Ast.And(out, a.pos());
        }
        if (e instanceof Ast.Or o) {
            List<Ast.Expr> out = new ArrayList<>();
            for (Ast.Expr c : o.children()) {
                out.add(resolve(c));
            }
            return new Ast.Or(out, o.pos());
        }
        if (e instanceof Ast.Not n) {
            return new Ast.Not(resolve(n.child()), n.pos());
        }
        return e;
    }

    private static void collectFields(Ast.Expr e, Set<String> out) {
        if (e instanceof Ast.And a) {
            a.children().forEach(c -> collectFields(c, out));
        } else if (e instanceof Ast.Or o) {
            o.children().forEach(c -> collectFields(c, out));
        } else if (e instanceof Ast.Not n) {
            collectFields(n.child(), out);
        } else if (e instanceof Ast.Check c) {
            collectOperand(c.left(), out);
            if (c.right() != null) {
                collectOperand(c.right(), out);
            }
        }
    }

    private static void collectOperand(Ast.Operand op, Set<String> out) {
        if (op instanceof Ast.FieldOperand f) {
            out.add(f.text());
        } else if (op instanceof Ast.TransformOperand t) {
            collectOperand(t.arg(), out);
        } else if (op instanceof Ast.ValOperand v) {
            collectOperand(v.field(), out);
        }
    }
}
