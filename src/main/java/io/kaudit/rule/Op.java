package io.kaudit.rule;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The single list of condition operators: their spelling, what they take on the right, and the
 * order the parser tries them in (a longer spelling before its prefix: {@code bstartswith} before
 * {@code startswith}, {@code <=} before {@code <}).
 */
public enum Op {
    EXISTS("exists", Kind.UNARY),
    LE("<=", Kind.NUMERIC),
    LT("<", Kind.NUMERIC),
    GE(">=", Kind.NUMERIC),
    GT(">", Kind.NUMERIC),
    EQ("=", Kind.SYMBOL, "=="),
    NE("!=", Kind.SYMBOL),
    BSTARTSWITH("bstartswith", Kind.WORD),
    STARTSWITH("startswith", Kind.WORD),
    ENDSWITH("endswith", Kind.WORD),
    ICONTAINS("icontains", Kind.WORD),
    BCONTAINS("bcontains", Kind.WORD),
    CONTAINS("contains", Kind.WORD),
    IGLOB("iglob", Kind.WORD),
    GLOB("glob", Kind.WORD),
    REGEX("regex", Kind.WORD),
    INTERSECTS("intersects", Kind.LIST),
    IN("in", Kind.LIST),
    PMATCH("pmatch", Kind.LIST),
    /**
     * A Sigma plain value (no wildcard, no modifier but value lists) on one field path: equal to the
     * field's text ignoring case. Compiled by the Sigma loader like {@link #SIGMA}; the rule index
     * splits on it.
     */
    SIGMA_EQ("sigma=", Kind.OPAQUE),
    /**
     * A Sigma match in a tree built by the Sigma loader: its condition is compiled by Sigma's own
     * rules, so the analyses that read trees see which fields it reads and nothing more.
     */
    SIGMA("sigma", Kind.OPAQUE);

    /** What follows the operator in a condition. */
    public enum Kind {
        /** nothing ({@code exists}) */
        UNARY,
        /** a number, {@code val()} or a transformer */
        NUMERIC,
        /** a string, {@code val()} or a transformer */
        SYMBOL,
        /** a string after a blank */
        WORD,
        /** a list {@code (a, b)} */
        LIST,
        /** never written in a condition */
        OPAQUE
    }

    private static final Map<String, Op> BY_TEXT = new HashMap<>();

    static {
        for (Op op : values()) {
            if (op.kind != Kind.OPAQUE) {
                op.spellings.forEach(t -> BY_TEXT.put(t, op));
            }
        }
    }

    private final String text;
    private final Kind kind;
    /** Every way it is written, aliases first: the parser must try {@code ==} before {@code =}, its prefix. */
    private final List<String> spellings;

    Op(String text, Kind kind, String... aliases) {
        this.text = text;
        this.kind = kind;
        List<String> all = new java.util.ArrayList<>(List.of(aliases));
        all.add(text);
        this.spellings = List.copyOf(all);
    }

    /** As written in a condition. */
    public String text() {
        return text;
    }

    /** {@link #text()} and its aliases ({@code ==} for {@code =}), in the order the parser tries them. */
    public List<String> spellings() {
        return spellings;
    }

    public Kind kind() {
        return kind;
    }

    /** {@code in}, {@code intersects} or {@code pmatch}: the right side is a set of values. */
    public boolean takesList() {
        return kind == Kind.LIST;
    }

    /** The operator spelled {@code text} (by any of its spellings), or null. */
    public static Op of(String text) {
        return BY_TEXT.get(text);
    }

    /** The operators of one kind, in the order the parser tries them. */
    public static List<Op> ofKind(Kind kind) {
        return java.util.Arrays.stream(values()).filter(o -> o.kind == kind).toList();
    }

    @Override
    public String toString() {
        return text;
    }
}
