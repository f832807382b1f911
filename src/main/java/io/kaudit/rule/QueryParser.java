package io.kaudit.rule;

import io.kaudit.event.Projection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Compiles ad-hoc conditions (the REPL's queries) in the loaded rules' context: their lists are
 * substituted and their macros resolved, exactly as in a rule condition, and their fields take
 * their cache slots from the rule set's table.
 */
public final class QueryParser {
    private final List<ListExpander.Named> lists;
    private final MacroResolver macros;
    private final FieldSlots slots;

    /** The names of the macros a query may use (for the REPL's completion). */
    public Set<String> macroNames() {
        return macros.names();
    }

    /** Queries over the lists and macros of a rule set whose getters use {@code slots}. */
    public QueryParser(List<ListExpander.Named> lists, MacroResolver macros, FieldSlots slots) {
        this.lists = lists;
        this.macros = macros;
        this.slots = slots;
    }

    /**
     * A compiled query: the condition, the field references it reads, and the text as parsed.
     * {@code slots} is where the condition reads its fields' values: an event filled there in
     * advance (the REPL's columns) is answered without its JSON.
     */
    public record Query(Condition condition, Set<String> fields, Projection projection, String text, FieldSlots slots) {
    }

    /**
     * @throws ConditionSyntaxException with the position in {@code text} after list substitution
     * @throws CompileException         for unknown fields, macros or operators
     */
    public Query compile(String text) throws ConditionSyntaxException, CompileException {
        String expanded = ListExpander.expand(text, lists, new HashSet<>());
        Ast.Expr tree = macros.resolveQuery(ConditionParser.parse(expanded));
        Projection projection = new Projection();
        Condition c = new ConditionCompiler(projection, slots).compile(tree);
        Set<String> fields = new HashSet<>();
        Ast.fields(tree, f -> fields.add(f.text()));
        return new Query(c, fields, projection, expanded, slots);
    }

    /**
     * Binds one field reference such as {@code ka.user.name} or {@code ka.uri.param[command]}; its
     * getter reads the event each time (no cache slot), so it may read events of any rule set.
     */
    public static ConditionCompiler.Bound field(String text, Projection projection) throws CompileException {
        return field(text, projection, null);
    }

    /**
     * Binds one field reference whose value is cached in {@code slots} (a rule set's: the getter
     * shares the value its rules read from the same event); null slots: no cache.
     */
    public static ConditionCompiler.Bound field(String text, Projection projection, FieldSlots slots)
            throws CompileException {
        return new ConditionCompiler(projection, slots).bind(FieldRef.parse(text));
    }
}
