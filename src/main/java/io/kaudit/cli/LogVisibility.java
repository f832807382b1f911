package io.kaudit.cli;

import io.kaudit.engine.AuditLevels;
import io.kaudit.engine.EventObserver;
import io.kaudit.engine.Listener;
import io.kaudit.event.Location;
import io.kaudit.engine.Alert;
import io.kaudit.policy.RuleNeeds;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a scanned log let the rules see: passes a run's results on to its listener while counting
 * the levels and stages of every event (one {@link AuditLevels} per worker thread), then says
 * which rules could not have fired because of them, so that no alert is never read as a clean
 * cluster.
 */
final class LogVisibility implements Listener {
    private final Listener delegate;
    private final List<AuditLevels> perThread = new ArrayList<>();

    LogVisibility(Listener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void alert(Alert alert) {
        delegate.alert(alert);
    }

    @Override
    public void malformed(Location where, String reason) {
        delegate.malformed(where, reason);
    }

    @Override
    public EventObserver newObserver() {
        EventObserver inner = delegate.newObserver();
        AuditLevels mine = new AuditLevels();
        synchronized (perThread) {
            perThread.add(mine);
        }
        return inner == null ? mine::count : e -> {
            mine.count(e);
            inner.event(e);
        };
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
