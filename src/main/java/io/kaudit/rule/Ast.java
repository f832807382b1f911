package io.kaudit.rule;

import java.util.List;

/**
 * The condition syntax tree: a closed set of nodes with their position (0-based offset in the
 * condition text). Parsing, macro resolution and compilation are separate passes over it.
 */
public final class Ast {
    private Ast() {
    }

    public sealed interface Expr permits And, Or, Not, MacroRef, Check {
        int pos();
    }

    public record And(List<Expr> children, int pos) implements Expr {
    }

    public record Or(List<Expr> children, int pos) implements Expr {
    }

    public record Not(Expr child, int pos) implements Expr {
    }

    /** A bare identifier: a macro reference. */
    public record MacroRef(String name, int pos) implements Expr {
    }

    /** {@code left op right}; {@code right} is null for {@code exists}. */
    public record Check(Operand left, String op, Operand right, int pos) implements Expr {
    }

    public sealed interface Operand permits FieldOperand, TransformOperand, ValueOperand, ListOperand, ValOperand {
        int pos();
    }

    /** A field with its optional argument: {@code ka.uri.param[command]}. */
    public record FieldOperand(String name, String arg, int pos) implements Operand {
        public String text() {
            return arg == null ? name : name + "[" + arg + "]";
        }
    }

    /** {@code tolower(x)}, {@code b64(x)}, {@code len(x)} ... */
    public record TransformOperand(String function, Operand arg, int pos) implements Operand {
    }

    /** A literal string or number on the right of a comparison. */
    public record ValueOperand(String value, int pos) implements Operand {
    }

    /** {@code (a, b, c)} on the right of in/intersects/pmatch. */
    public record ListOperand(List<String> values, int pos) implements Operand {
    }

    /** {@code val(field)}: compare against another field of the same event. */
    public record ValOperand(Operand field, int pos) implements Operand {
    }
}
