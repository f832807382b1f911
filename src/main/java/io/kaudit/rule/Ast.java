package io.kaudit.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The condition syntax tree: a closed set of nodes with their position (0-based offset in the
 * condition text). Parsing, macro resolution and compilation are separate passes over it, each a
 * {@link Visitor} (a pass that rebuilds the tree is a {@link Rewriter}).
 */
public final class Ast {
    private Ast() {
    }

    public sealed interface Expr permits And, Or, Not, MacroRef, Check {
        int pos();

        <R, X extends Exception> R accept(Visitor<R, X> v) throws X;
    }

    /** One method per kind of node; {@code X} is the checked exception the pass may throw. */
    public interface Visitor<R, X extends Exception> {
        R and(And a) throws X;

        R or(Or o) throws X;

        R not(Not n) throws X;

        R macro(MacroRef m) throws X;

        R check(Check c) throws X;
    }

    /**
     * A pass that rebuilds the tree: {@code and}, {@code or} and {@code not} are rebuilt from their
     * rewritten children, leaves are kept; override what the pass changes.
     */
    public abstract static class Rewriter<X extends Exception> implements Visitor<Expr, X> {
        public final Expr rewrite(Expr e) throws X {
            return e.accept(this);
        }

        @Override
        public Expr and(And a) throws X {
            List<Expr> c = all(a.children());
            return c == null ? a : new And(c, a.pos());
        }

        @Override
        public Expr or(Or o) throws X {
            List<Expr> c = all(o.children());
            return c == null ? o : new Or(c, o.pos());
        }

        @Override
        public Expr not(Not n) throws X {
            Expr c = rewrite(n.child());
            return c == n.child() ? n : new Not(c, n.pos());
        }

        @Override
        public Expr macro(MacroRef m) throws X {
            return m;
        }

        @Override
        public Expr check(Check c) throws X {
            return c;
        }

        /** The children rewritten, or null when none changed (the node is then kept as it is). */
        private List<Expr> all(List<Expr> es) throws X {
            List<Expr> out = new ArrayList<>(es.size());
            boolean changed = false;
            for (Expr e : es) {
                Expr r = rewrite(e);
                changed |= r != e;
                out.add(r);
            }
            return changed ? out : null;
        }
    }

    /** Every macro reference and check of {@code e}, in order. */
    public static void leaves(Expr e, Consumer<Expr> out) {
        if (e instanceof And a) {
            a.children().forEach(c -> leaves(c, out));
        } else if (e instanceof Or o) {
            o.children().forEach(c -> leaves(c, out));
        } else if (e instanceof Not n) {
            leaves(n.child(), out);
        } else {
            out.accept(e);
        }
    }

    /** Every field {@code e} reads, in order: both sides of each check, inside transformers and val(). */
    public static void fields(Expr e, Consumer<FieldOperand> out) {
        leaves(e, x -> {
            if (x instanceof Check c) {
                c.left().fields(out);
                if (c.right() != null) {
                    c.right().fields(out);
                }
            }
        });
    }

    public record And(List<Expr> children, int pos) implements Expr {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.and(this);
        }
    }

    public record Or(List<Expr> children, int pos) implements Expr {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.or(this);
        }
    }

    public record Not(Expr child, int pos) implements Expr {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.not(this);
        }
    }

    /** A bare identifier: a macro reference. */
    public record MacroRef(String name, int pos) implements Expr {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.macro(this);
        }
    }

    /** {@code left op right}; {@code right} is null for {@code exists}. */
    public record Check(Operand left, Op op, Operand right, int pos) implements Expr {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.check(this);
        }
    }

    public sealed interface Operand permits FieldOperand, TransformOperand, ValueOperand, ListOperand, ValOperand {
        int pos();

        /** The fields this operand reads (none for a literal). */
        default void fields(Consumer<FieldOperand> out) {
        }
    }

    /** A field with its optional argument: {@code ka.uri.param[command]}. */
    public record FieldOperand(String name, String arg, int pos) implements Operand {
        public String text() {
            return arg == null ? name : name + "[" + arg + "]";
        }

        public FieldRef ref() {
            return new FieldRef(name, arg);
        }

        @Override
        public void fields(Consumer<FieldOperand> out) {
            out.accept(this);
        }
    }

    /** {@code tolower(x)}, {@code b64(x)}, {@code len(x)} ... */
    public record TransformOperand(String function, Operand arg, int pos) implements Operand {
        @Override
        public void fields(Consumer<FieldOperand> out) {
            arg.fields(out);
        }
    }

    /** A literal string or number on the right of a comparison. */
    public record ValueOperand(String value, int pos) implements Operand {
    }

    /** {@code (a, b, c)} on the right of in/intersects/pmatch. */
    public record ListOperand(List<String> values, int pos) implements Operand {
    }

    /** {@code val(field)}: compare against another field of the same event. */
    public record ValOperand(Operand field, int pos) implements Operand {
        @Override
        public void fields(Consumer<FieldOperand> out) {
            field.fields(out);
        }
    }
}
