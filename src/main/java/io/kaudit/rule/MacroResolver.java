package io.kaudit.rule;

import io.kaudit.rule.Ast.Expr;
import io.kaudit.rule.Ast.MacroRef;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;

/**
 * Replaces macro references with the macros' resolved trees, for rule conditions and for the
 * REPL's queries alike. As in Falco, a macro sees only macros defined before its latest
 * definition; a rule sees them all; a reference loop is an error. Each macro is resolved once.
 */
public final class MacroResolver {
    /** One macro: its definition, its parsed body (null when it did not parse), and what resolving it gave. */
    public static final class Macro {
        final Definitions.Def<String> def;
        final Expr ast;
        boolean broken;
        Expr resolved;

        Macro(Definitions.Def<String> def, Expr ast) {
            this.def = def;
            this.ast = ast;
            this.broken = ast == null;
        }
    }

    /** A reference to a macro that has errors of its own (already reported): the referrer is skipped silently. */
    static final class BrokenMacro extends RuntimeException {
        BrokenMacro() {
            super(null, null, false, false);
        }
    }

    /** Who refers: named in messages, with the text positions point into. */
    record Referrer(String file, int line, String what, String text) {
    }

    private final Map<String, Macro> macros = new LinkedHashMap<>();

    /** No macros (a rule set without Falco rules). */
    public MacroResolver() {
    }

    public MacroResolver(List<Macro> macros) {
        for (Macro m : macros) {
            this.macros.put(m.def.name(), m);
        }
    }

    /** These macros and {@code later}'s, a macro of {@code later} replacing one of the same name. */
    MacroResolver with(MacroResolver later) {
        MacroResolver both = new MacroResolver();
        both.macros.putAll(macros);
        both.macros.putAll(later.macros);
        return both;
    }

    /** The names of the macros, in definition order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(macros.keySet());
    }

    /**
     * Resolves every macro; an error is added to {@code errors} and marks that macro broken (a
     * referrer of a broken macro is skipped without an error of its own).
     */
    void resolveAll(java.util.Collection<String> errors) {
        Set<String> used = new HashSet<>();   // which macros a rule uses is counted when rules resolve, not here
        for (Macro d : macros.values()) {
            try {
                resolve(d, new ArrayDeque<>(), used);
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
                d.broken = true;
            } catch (BrokenMacro e) {
                d.broken = true;
            }
        }
    }

    /**
     * A rule's tree with every macro resolved; the macros it reaches are added to {@code used}.
     *
     * @throws BrokenMacro when it reaches a macro whose own error was reported
     */
    Expr resolveRule(Expr e, Set<String> used, Referrer who) throws RuleLoadException {
        return new Resolving(Integer.MAX_VALUE, new ArrayDeque<>(), used, who).rewrite(e);
    }

    /** A query's tree with every macro resolved: an unknown name is an unknown field or macro. */
    public Expr resolveQuery(Expr e) throws CompileException {
        return new Ast.Rewriter<CompileException>() {
            @Override
            public Expr macro(MacroRef m) throws CompileException {
                Macro d = macros.get(m.name());
                if (d == null || d.resolved == null) {
                    throw new CompileException("unknown field or macro '" + m.name() + "'", m.pos());
                }
                return d.resolved;
            }
        }.rewrite(e);
    }

    private Expr resolve(Macro d, Deque<String> stack, Set<String> used) throws RuleLoadException {
        if (d.broken) {
            throw new BrokenMacro();
        }
        if (d.resolved == null) {
            Definitions.Def<String> def = d.def;
            if (stack.contains(def.name())) {
                throw new RuleLoadException(def.file() + ":" + def.line() + ": macro '" + def.name()
                        + "': reference loop through " + String.join(" -> ", stack) + " -> " + def.name());
            }
            stack.addLast(def.name());   // in reference order: the loop is named as it runs, a -> b -> a
            d.resolved = new Resolving(def.visibility(), stack, used,
                    new Referrer(def.file(), def.line(), "macro '" + def.name() + "'", def.body())).rewrite(d.ast);
            stack.removeLast();
        }
        return d.resolved;
    }

    /** One resolution: what the referrer may see, the macros being resolved (for loops), what was used. */
    private final class Resolving extends Ast.Rewriter<RuleLoadException> {
        private final int visibility;
        private final Deque<String> stack;
        private final Set<String> used;
        private final Referrer who;

        Resolving(int visibility, Deque<String> stack, Set<String> used, Referrer who) {
            this.visibility = visibility;
            this.stack = stack;
            this.used = used;
            this.who = who;
        }

        @Override
        public Expr macro(MacroRef ref) throws RuleLoadException {
            Macro d = macros.get(ref.name());
            if (d == null || d.def.index() >= visibility) {
                throw new RuleLoadException(who.file() + ":" + who.line() + ": " + who.what() + ": undefined macro '"
                        + ref.name() + "' used in filter" + (d == null ? "" : " (it is defined later)") + "\n"
                        + RuleCompiler.pointAt(who.text(), ref.pos()));
            }
            used.add(d.def.name());
            Expr body = resolve(d, stack, used);
            markUsed(d.ast, used);
            return body;
        }
    }

    /** Marks macros reached through an already resolved macro as used. */
    private void markUsed(Expr e, Set<String> used) {
        Ast.leaves(e, x -> {
            if (x instanceof MacroRef ref) {
                Macro d = macros.get(ref.name());
                if (d != null && used.add(d.def.name())) {
                    markUsed(d.ast, used);
                }
            }
        });
    }
}
