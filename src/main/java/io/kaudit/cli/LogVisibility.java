package io.kaudit.cli;

import io.kaudit.engine.AuditLevels;
import io.kaudit.engine.EventObserver;
import io.kaudit.engine.RunStats;
import io.kaudit.report.Sink;
import io.kaudit.engine.Alert;
import io.kaudit.policy.RuleNeeds;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a scanned log let the rules see: counts the levels and stages of every event (one
 * {@link AuditLevels} per worker thread), then puts in the run's stats which rules could not have
 * fired because of them, so that no alert is never read as a clean cluster. A sink placed before
 * the output in a {@link io.kaudit.report.Tee}, so the output's summary finds the stats filled.
 */
final class LogVisibility implements Sink {
    private final List<AuditLevels> perThread = new ArrayList<>();
    private List<Rule> rules = List.of();

    @Override
    public void begin(List<Rule> rules) {
        this.rules = rules;
    }

    @Override
    public void alert(Alert alert) {
    }

    @Override
    public EventObserver newObserver() {
        AuditLevels mine = new AuditLevels();
        synchronized (perThread) {
            perThread.add(mine);
        }
        return mine::count;
    }

    @Override
    public void finish(RunStats stats) {
        AuditLevels levels = levels();
        stats.levels = levels.levels();
        stats.stages = levels.stages();
        stats.visibility = sentence(levels, rules);
    }

    /** The line saying which rules this log hid from view, for a run's end; empty when none were. */
    static java.util.Optional<String> line(RunStats stats) {
        return stats.visibility == null || stats.visibility.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of("what this log lets rules see: " + stats.visibility);
    }

    AuditLevels levels() {
        AuditLevels all = new AuditLevels();
        synchronized (perThread) {
            perThread.forEach(all::merge);
        }
        return all;
    }

    /** "12 rules read request bodies; ..." and "3 rules wait for stage ResponseStarted; ...", or "" when nothing is hidden. */
    static String sentence(AuditLevels levels, List<Rule> rules) {
        List<String> parts = new ArrayList<>();
        String bodies = levels.sentence(rules);
        if (!bodies.isEmpty()) {
            parts.add(bodies);
        }
        Map<String, Long> stages = levels.stages();
        long total = stages.values().stream().mapToLong(Long::longValue).sum();
        if (total > 0 && !stages.containsKey("(none)")) {
            Map<String, Integer> waiting = new java.util.TreeMap<>();
            for (Rule r : rules) {
                Set<String> s = RuleNeeds.of(r).get(RuleNeeds.STAGE);
                if (s != null && !s.isEmpty() && s.stream().noneMatch(stages::containsKey)) {
                    waiting.merge(String.join("/", new java.util.TreeSet<>(s)), 1, Integer::sum);
                }
            }
            waiting.forEach((stage, n) -> parts.add(String.format("%d rule%s wait%s for stage %s; no event in this log has it",
                    n, n == 1 ? "" : "s", n == 1 ? "s" : "", stage)));
        }
        return String.join("; ", parts);
    }
}
