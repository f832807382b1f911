package io.kaudit.rule;

import io.kaudit.event.Projection;
import io.kaudit.rule.sigma.Correlation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Compiles rules of any language into one {@link RuleSet}: resolved condition trees to
 * {@link Condition}s, output templates to {@link OutputFormat}s, every field read into one
 * {@link Projection} and one table of cache slots. Loaders (Falco's, Sigma's, several of either)
 * add their rules in turn; each loader's rules come after the previous loader's, in its own order.
 */
public final class RuleCompiler {
    private final Projection projection = new Projection();
    private final FieldSlots slots = new FieldSlots();
    private final ConditionCompiler conditions = new ConditionCompiler(projection, slots);
    /** Outputs are rendered on the alert's whole event: their fields need not be projected. */
    private final ConditionCompiler outputs = new ConditionCompiler(new Projection(), slots);
    private final List<Rule> rules = new ArrayList<>();
    private final List<RuleSet.SkippedRule> skipped = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<Correlation> correlations = new ArrayList<>();
    private List<ListExpander.Named> queryLists = List.of();
    private MacroResolver queryMacros = new MacroResolver();
    private int nextIndex;

    /** What the rules' events must keep; a loader whose matchers read events themselves adds its paths. */
    public Projection projection() {
        return projection;
    }

    /** The cache slots every getter over the rule set's events shares. */
    public FieldSlots slots() {
        return slots;
    }

    /** A macro-free condition tree as a {@link Condition}; the fields it reads join the projection. */
    public Condition condition(Ast.Expr tree) throws CompileException {
        return conditions.compile(tree);
    }

    /** An output template ({@code %ka.user.name} ...), read on the alert's whole event. */
    public OutputFormat output(String template) throws CompileException {
        return OutputFormat.compile(template, outputs);
    }

    /**
     * A getter of one field, cached in the set's slots, for values read outside conditions (group-by
     * keys); the field joins the projection, as the feeders' hits carry only the projected event.
     */
    public Getter field(FieldRef ref) throws CompileException {
        return conditions.bind(ref).getter();
    }

    /** The index the next rule of a new loader takes: after every rule and reserved index so far. */
    public int nextIndex() {
        return nextIndex;
    }

    /** Keeps indexes below {@code end} for the loader adding now (numbers of definitions that are not rules). */
    public void reserve(int end) {
        nextIndex = Math.max(nextIndex, end);
    }

    public void add(Rule rule) {
        rules.add(rule);
        reserve(rule.index() + 1);
    }

    /** A correlation rule: its {@link Correlation#rule()} joins the rules. */
    public void add(Correlation correlation) {
        correlations.add(correlation);
        add(correlation.rule());
    }

    public void skipped(RuleSet.SkippedRule rule) {
        skipped.add(rule);
    }

    public void warning(String message) {
        warnings.add(message);
    }

    /** The rules added so far, in order (a correlation may name them). */
    public List<Rule> rules() {
        return Collections.unmodifiableList(rules);
    }

    /**
     * Adds lists and macros (a Falco loader's) to what the set's ad-hoc queries see; a later loader's
     * take precedence over an earlier one's of the same name.
     */
    public void queries(List<ListExpander.Named> lists, MacroResolver macros) {
        List<ListExpander.Named> all = new ArrayList<>(lists);   // lists apply in order: the first of a name wins
        all.addAll(queryLists);
        queryLists = List.copyOf(all);
        queryMacros = queryMacros.with(macros);
    }

    /** The rule set of everything added. */
    public RuleSet build() {
        return new RuleSet(List.copyOf(rules), projection, List.copyOf(skipped), List.copyOf(warnings),
                new QueryParser(queryLists, queryMacros, slots), List.copyOf(correlations), slots);
    }

    /** The condition line holding {@code pos}, with a caret under it. */
    static String pointAt(String text, int pos) {
        int start = text.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
        int end = text.indexOf('\n', pos);
        String line = text.substring(start, end < 0 ? text.length() : end);
        int col = pos - start;
        if (line.length() > 120) {
            int from = Math.max(0, col - 60);
            line = line.substring(from, Math.min(line.length(), from + 120));
            col -= from;
        }
        return "    " + line + "\n    " + " ".repeat(Math.max(0, col)) + "^";
    }
}
