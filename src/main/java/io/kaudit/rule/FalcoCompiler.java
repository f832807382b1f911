package io.kaudit.rule;

import io.kaudit.rule.Ast.Expr;
import io.kaudit.rule.Definitions.Def;
import io.kaudit.rule.Definitions.RuleDef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Falco's compile step over {@link Definitions}: lists substituted into the text, macros parsed and
 * resolved ({@link MacroResolver}), exceptions appended, each k8s_audit rule handed to the
 * {@link RuleCompiler}; rules of other sources are kept out of evaluation while their lists and
 * macros stay usable. Warns of unused lists and macros and of audit rules without a source.
 */
final class FalcoCompiler {
    private static final java.util.regex.Pattern AUDIT_FIELD = java.util.regex.Pattern.compile("\\b(ka|jevt)\\.[a-z]");
    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    private final Definitions defs;
    private final Collection<String> errors;
    /** The reading's warnings, handed on with the compile's own (kept apart: a loader may compile twice). */
    private final List<String> readWarnings;
    private final List<String> warnings = new ArrayList<>();

    /** {@code errors} holds the reading's and takes the compile's; {@code readWarnings} is only read. */
    FalcoCompiler(Definitions defs, Collection<String> errors, List<String> readWarnings) {
        this.defs = defs;
        this.errors = errors;
        this.readWarnings = readWarnings;
    }

    /** Compiles into {@code out}. Every macro must resolve; every k8s_audit rule must compile. */
    void compile(RuleCompiler out) throws RuleLoadException {
        int base = out.nextIndex();
        List<ListExpander.Named> named = expandLists();
        ListExpander.Index listIndex = new ListExpander.Index(named);
        Set<String> usedLists = new HashSet<>();
        List<MacroResolver.Macro> parsed = new ArrayList<>();
        for (Def<String> d : defs.macros.values()) {
            String text = ListExpander.expand(d.body(), listIndex, usedLists);
            Expr ast = null;
            try {
                ast = parse(text, d.file(), d.line(), "macro '" + d.name() + "'");
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
            }
            parsed.add(new MacroResolver.Macro(d, ast));
        }
        MacroResolver macros = new MacroResolver(parsed);
        macros.resolveAll(errors);
        Set<String> usedMacros = new HashSet<>();
        List<Rule> compiled = new ArrayList<>();
        Set<String> otherSources = new TreeSet<>();
        // in index order: a new name is put with the counter's next number, a redefinition keeps its place and number
        Collection<RuleDef> ordered = defs.rules.values();
        for (RuleDef r : ordered) {
            if (!r.source.equals(RuleLoader.SOURCE)) {
                otherSources.add(r.source);
                out.skipped(new RuleSet.SkippedRule(r.name, r.source, r.priority, List.copyOf(new TreeSet<>(r.tags)),
                        r.enabled));
                continue;
            }
            String what = "rule '" + r.name + "'";
            String text;
            Expr resolved;
            try {
                text = r.exceptions.isEmpty() ? r.condition : ExceptionText.apply(r.condition, r.exceptions);
                text = ListExpander.expand(text, listIndex, usedLists);
                Expr ast = parse(text, r.file, r.line, what);
                resolved = macros.resolveRule(ast, usedMacros, new MacroResolver.Referrer(r.file, r.line, what, text));
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
                continue;
            } catch (MacroResolver.BrokenMacro e) {
                continue;   // the macro's own error is reported
            }
            Condition condition;
            OutputFormat output;
            try {
                condition = out.condition(resolved);
            } catch (CompileException e) {
                notCompiled(r, what, r.file, r.line, e, "");
                continue;
            }
            try {
                output = out.output(r.output);
            } catch (CompileException e) {
                notCompiled(r, what, r.outputFile, r.outputLine, e,
                        "\n" + RuleCompiler.pointAt(r.output, Math.max(0, Math.min(e.position(), r.output.length()))));
                continue;
            }
            compiled.add(new Rule(r.name, r.desc.trim(), r.priority, r.source, List.copyOf(new TreeSet<>(r.tags)),
                    r.enabled, condition, text, resolved, output, r.file, r.line, base + r.index));
        }
        for (RuleDef r : ordered) {
            if (!r.sourceGiven && looksLikeAudit(r.condition)) {
                warnings.add(r.file + ":" + r.line + ": rule '" + r.name + "' has no 'source:', so it is a syscall rule"
                        + " (Falco's default) and kaudit skips it; add 'source: k8s_audit'");
            }
        }
        for (String s : otherSources) {
            warnings.add("rules of source '" + s + "' are skipped (kaudit evaluates source k8s_audit)");
        }
        if (!errors.isEmpty()) {
            // with the errors, the warnings that do not depend on every rule compiling (unused lists and
            // macros would: a macro only a broken rule uses would be called unused)
            List<String> known = new ArrayList<>(readWarnings);
            known.addAll(warnings);
            throw new RuleLoadException(List.copyOf(errors), known);
        }
        compiled.forEach(out::add);
        out.reserve(base + defs.counter() + 1);
        Map<String, Integer> namedByList = namedByList();
        for (Def<List<String>> l : defs.lists.values()) {
            if (!usedLists.contains(l.name()) && namedByList.getOrDefault(l.name(), Integer.MIN_VALUE) <= l.index()) {
                warnings.add(l.file() + ":" + l.line() + ": list '" + l.name() + "' is not used");
            }
        }
        for (Def<String> d : defs.macros.values()) {
            if (!usedMacros.contains(d.name())) {
                warnings.add(d.file() + ":" + d.line() + ": macro '" + d.name() + "' is not used by any k8s_audit rule");
            }
        }
        readWarnings.forEach(out::warning);
        warnings.forEach(out::warning);
        out.queries(named, macros);
    }

    /**
     * A rule ({@code what}) whose condition or output at {@code file}:{@code line} did not compile: with
     * skip-if-unknown-filter an unknown field is a warning, as in Falco; anything else is an error,
     * followed by {@code pointer}.
     */
    private void notCompiled(RuleDef r, String what, String file, int line, CompileException e, String pointer) {
        String message = file + ":" + line + ": " + what + ": " + e.getMessage();
        if (r.skipIfUnknownFilter && e.getMessage().startsWith("unknown field")) {
            warnings.add(message + "; skipped");
        } else {
            errors.add(message + pointer);
        }
    }

    /** True if a condition reads audit fields itself or through a macro (it was meant for k8s_audit). */
    private boolean looksLikeAudit(String condition) {
        if (AUDIT_FIELD.matcher(condition).find()) {
            return true;
        }
        java.util.regex.Matcher w = WORD.matcher(condition);
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        while (w.find()) {
            todo.add(w.group());
        }
        while (!todo.isEmpty()) {
            Def<String> d = defs.macros.get(todo.poll());
            if (d == null || !seen.add(d.name())) {
                continue;
            }
            if (AUDIT_FIELD.matcher(d.body()).find()) {
                return true;
            }
            java.util.regex.Matcher m = WORD.matcher(d.body());
            while (m.find()) {
                todo.add(m.group());
            }
        }
        return false;
    }

    /** For each item of a list, the latest visibility of a list holding it: a list named there after its definition is used. */
    private Map<String, Integer> namedByList() {
        Map<String, Integer> out = new HashMap<>();
        for (Def<List<String>> l : defs.lists.values()) {
            for (String item : l.body()) {
                out.merge(item, l.visibility(), Math::max);
            }
        }
        return out;
    }

    /** Items naming a list defined before this list's latest definition are expanded; others stay literal. */
    private List<ListExpander.Named> expandLists() {
        Map<String, List<String>> done = new HashMap<>();
        List<ListExpander.Named> out = new ArrayList<>();
        // in index order: a new name is put with the counter's next number, a redefinition keeps its place and number
        for (Def<List<String>> l : defs.lists.values()) {
            List<String> items = new ArrayList<>();
            for (String item : l.body()) {
                Def<List<String>> other = defs.lists.get(item);
                if (other != null && other != l && other.index() < l.visibility() && done.containsKey(item)) {
                    items.addAll(done.get(item));
                } else {
                    items.add(ListExpander.quoteItem(item));
                }
            }
            done.put(l.name(), items);
            out.add(new ListExpander.Named(l.name(), items));
        }
        return out;
    }

    private static Expr parse(String text, String file, int line, String what) throws RuleLoadException {
        try {
            return ConditionParser.parse(text);
        } catch (ConditionSyntaxException e) {
            throw new RuleLoadException(file + ":" + line + ": " + what + ": condition syntax error at column "
                    + e.column() + ": " + e.getMessage() + "\n" + RuleCompiler.pointAt(text, e.position()));
        }
    }
}
