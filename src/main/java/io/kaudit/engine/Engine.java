package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonObject;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.Hostname;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the selected rules of a rule set over events, in rule order, under all- or first-match.
 * Knows nothing of where events come from or where alerts go. Thread-safe.
 */
public final class Engine {
    private final Rule[] rules;
    private final RuleIndex index;
    private final Selection selection;
    private final OncePerRequest oncePerRequest;

    public Engine(RuleSet set, Selection selection) {
        List<Rule> active = new ArrayList<>();
        for (Rule r : set.rules()) {
            // as Falco's -t: naming a tag runs exactly the rules carrying it, those off by default included
            boolean wanted = selection.tags().isEmpty() ? r.enabled() : r.tags().stream().anyMatch(selection.tags()::contains);
            if (wanted && r.priority().atLeast(selection.minPriority()) && !selection.disabled().contains(r.name())) {
                active.add(r);
            }
        }
        this.rules = active.toArray(new Rule[0]);
        this.index = new RuleIndex(active);
        this.selection = selection;
        this.oncePerRequest = new OncePerRequest(active, OncePerRequest.DEFAULT_CAPACITY);
    }

    /**
     * False for a later alert of a once-per-request rule on a request it already alerted on. Every
     * front door asks this where alerts leave in input order.
     */
    public boolean firstOfRequest(Alert alert) {
        return oncePerRequest.admit(alert);
    }

    public List<Rule> activeRules() {
        return List.of(rules);
    }

    public Selection selection() {
        return selection;
    }

    /** Adds the rules {@code event} matches to {@code out}, in rule order (at most one under first-match). */
    public void match(AuditEvent event, List<Rule> out) {
        boolean first = selection.matching() == Selection.Matching.FIRST;
        for (Rule r : index.candidates(event)) {
            if (r.condition().test(event)) {
                out.add(r);
                if (first) {
                    return;
                }
            }
        }
    }

    /** The alert of rule {@code r} for {@code full}, the event decoded whole (outputs may read any part). */
    public Alert alert(Rule r, AuditEvent full) {
        String message = r.output().render(full);
        Map<String, Object> fields = r.output().fields(full);
        fields.put("evt.time", full.timeNanos());
        String line = Timestamps.clock(full.timeNanos()) + ": " + r.priority().falcoName() + " " + message;
        JsonObject root = full.root();
        String auditId = root.string("auditID");
        return new Alert(full.timeNanos(), r.name(), r.priority(), r.source(), r.tags(), line, message, fields,
                Hostname.get(), full.location(), auditId == null ? "" : auditId, r.description(), root);
    }
}
