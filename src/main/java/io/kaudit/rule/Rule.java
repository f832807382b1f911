package io.kaudit.rule;

import java.util.List;

/**
 * A compiled k8s_audit rule.
 *
 * @param index position of its first definition: the evaluation order
 * @param tree  the condition with macros resolved, for analysis (the rule index)
 */
public record Rule(String name, String description, Priority priority, String source, List<String> tags,
                   boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                   String file, int line, int index) {
}
