package io.kaudit.rule;

import java.util.List;

/**
 * A compiled k8s_audit rule.
 *
 * @param index position of its first definition: the evaluation order
 * @param tree     the condition with macros resolved, for analysis (the rule index)
 * @param language {@code falco}, {@code sigma} or {@code correlation}
 * @param id       the Sigma rule id ("" when none)
 */
public record Rule(String name, String description, Priority priority, String source, List<String> tags,
                   boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                   String file, int line, int index, String language, String id) {
    public static final String FALCO = "falco";
    public static final String SIGMA = "sigma";
    public static final String CORRELATION = "correlation";

    /** A Falco rule. */
    public Rule(String name, String description, Priority priority, String source, List<String> tags,
                boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                String file, int line, int index) {
        this(name, description, priority, source, tags, enabled, condition, conditionText, tree, output, file, line,
                index, FALCO, "");
    }
}
