package io.kaudit.rule.sigma;

import io.kaudit.event.AuditEvent;
import io.kaudit.rule.Rule;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A Sigma correlation rule (specification v2), resolved: the rules it counts (by their kaudit rule
 * names), how to read each group-by value (and the value_count field) from an event each of those
 * rules matched, the window and the condition. Evaluated by the engine's correlator.
 *
 * @param rule      the correlation as a rule (language {@code correlation}): name, priority, tags, id, file
 * @param type      event_count, value_count, temporal or temporal_ordered
 * @param rules     the referenced rules' names, in order (the order matters for temporal_ordered)
 * @param groupBy   the group-by names as written
 * @param groupOf   per referenced rule, a reader of each group-by value (null result: absent)
 * @param fieldOf   per referenced rule, a reader of the value_count field (empty for other types)
 * @param condition the comparisons (gt, gte, lt, lte, eq, neq), all of which must hold
 * @param generate  whether the referenced rules also alert on their own
 */
public record Correlation(Rule rule, String type, List<String> rules, List<String> groupBy,
                          Map<String, List<Function<AuditEvent, String>>> groupOf,
                          Map<String, Function<AuditEvent, String>> fieldOf, String field, long timespanNanos,
                          Map<String, Long> condition, boolean generate) {

    /** Whether the condition holds for {@code n}. */
    public boolean holds(long n) {
        for (Map.Entry<String, Long> c : condition.entrySet()) {
            long v = c.getValue();
            boolean ok = switch (c.getKey()) {
                case "gt" -> n > v;
                case "gte" -> n >= v;
                case "lt" -> n < v;
                case "lte" -> n <= v;
                case "eq" -> n == v;
                default -> n != v;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** True when the condition only bounds from below: it can be decided as soon as it holds. */
    public boolean monotone() {
        return condition.keySet().stream().allMatch(k -> k.equals("gt") || k.equals("gte"));
    }
}
