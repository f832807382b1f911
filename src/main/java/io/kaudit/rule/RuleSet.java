package io.kaudit.rule;

import io.kaudit.event.Projection;
import java.util.List;

/**
 * What loading rule files produced: every k8s_audit rule in evaluation order (enabled or not), the
 * parts of an event those rules read, the field-cache slots their getters share, rules of other
 * sources that were skipped, warnings, and a parser for ad-hoc conditions that sees the same lists
 * and macros (and slots). Made by {@link RuleCompiler}.
 */
public record RuleSet(List<Rule> rules, Projection projection, List<SkippedRule> skipped, List<String> warnings,
                      QueryParser queries, List<io.kaudit.rule.sigma.Correlation> correlations, FieldSlots slots) {

    /** A rule of another source (syscall, aws_cloudtrail ...), loaded but never evaluated. */
    public record SkippedRule(String name, String source, Priority priority, List<String> tags, boolean enabled) {
    }
}
