package io.kaudit.rule;

import java.util.List;

/**
 * A compiled k8s_audit rule.
 *
 * @param index position of its first definition: the evaluation order
 */
public record Rule(String name, String description, Priority priority, String source, List<String> tags,
                   boolean enabled, Condition condition, String conditionText, OutputFormat output,
                   String file, int line, int index) {
}
