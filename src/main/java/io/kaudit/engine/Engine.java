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

    /** The selected correlation rules, and the rules whose own alerts only feed them. */
    private final List<io.kaudit.rule.sigma.Correlation> correlations = new ArrayList<>();
    private final java.util.Set<String> quiet = new java.util.HashSet<>();
    /** The rules of {@link #quiet}, by identity (first-match consults it; all-match never does). */
    /** The rule set's field-cache slots, claimed for each event before its rules read it. */
    private final io.kaudit.rule.FieldSlots slots;
    private final java.util.Set<Rule> quietRules = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    public Engine(RuleSet set, Selection selection) {
        List<Rule> active = new ArrayList<>();
        for (io.kaudit.rule.sigma.Correlation c : set.correlations()) {
            if (selected(c.rule(), selection)) {
                correlations.add(c);
            }
        }
        // the rules correlations count run whatever the selection; their alerts are dropped unless
        // they are selected and some correlation asks for them (generate: true)
        java.util.Set<String> feeders = new java.util.HashSet<>();
        java.util.Set<String> generated = new java.util.HashSet<>();
        for (io.kaudit.rule.sigma.Correlation c : correlations) {
            feeders.addAll(c.rules());
        }
        // a rule some loaded correlation counts stays quiet even when that correlation is not selected
        // (--disable, enabled: false, --min-priority): generate: false says so whatever the selection
        java.util.Set<String> counted = new java.util.HashSet<>();
        for (io.kaudit.rule.sigma.Correlation c : set.correlations()) {
            counted.addAll(c.rules());
            if (c.generate() && correlations.contains(c)) {
                generated.addAll(c.rules());
            }
        }
        for (Rule r : set.rules()) {
            if (r.language().equals(Rule.CORRELATION)) {
                continue;
            }
            boolean chosen = selected(r, selection);
            boolean loud = chosen && (!counted.contains(r.name()) || generated.contains(r.name()));
            if (loud || feeders.contains(r.name()) && r.enabled()) {
                active.add(r);
                if (!loud) {
                    quiet.add(r.name());
                    quietRules.add(r);
                }
            }
        }
        this.rules = active.toArray(new Rule[0]);
        this.index = new RuleIndex(active, set.slots());
        this.slots = set.slots();
        this.selection = selection;
        this.oncePerRequest = new OncePerRequest(active, OncePerRequest.DEFAULT_CAPACITY);
    }

    /**
     * False for a later alert of a once-per-request rule on a request it already alerted on. The
     * run's {@link Correlator} asks it for every alert, in input order.
     */
    public boolean firstOfRequest(Alert alert) {
        return oncePerRequest.admit(alert);
    }

    private static boolean selected(Rule r, Selection selection) {
        // as Falco's -t: naming a tag runs exactly the rules carrying it, those off by default included
        boolean wanted = selection.tags().isEmpty() ? r.enabled() : r.tags().stream().anyMatch(selection.tags()::contains);
        return wanted && r.priority().atLeast(selection.minPriority()) && !selection.disabled().contains(r.name());
    }

    /** The selected correlation rules. */
    public List<io.kaudit.rule.sigma.Correlation> correlations() {
        return List.copyOf(correlations);
    }

    /** Whether rule {@code name}'s own alerts are dropped (it only feeds correlations). */
    public boolean quiet(String name) {
        return quiet.contains(name);
    }

    /**
     * New correlation state for one run: every alert of the run goes through it, in input order.
     *
     * @param slackNanos how far out of time order events may come and still be correlated in time order
     * @param maxGroups  groups kept at most over all correlations; the oldest are evicted beyond it
     */
    public Correlator correlator(long slackNanos, int maxGroups) {
        return new Correlator(this, slackNanos, maxGroups);
    }

    /** The rules that run, then the selected correlation rules. */
    public List<Rule> activeRules() {
        if (!correlations.isEmpty()) {
            List<Rule> all = new ArrayList<>(List.of(rules));
            correlations.forEach(c -> all.add(c.rule()));
            return List.copyOf(all);
        }
        return List.of(rules);
    }

    public Selection selection() {
        return selection;
    }

    /** Adds the rules {@code event} matches to {@code out}, in rule order (at most one under first-match). */
    public void match(AuditEvent event, List<Rule> out) {
        slots.claim(event.cache());   // once per event, not on every cached field read
        boolean first = selection.matching() == Selection.Matching.FIRST;
        if (first && !quietRules.isEmpty()) {
            matchFirstFeeding(event, out);
            return;
        }
        for (Rule r : index.candidates(event)) {
            if (r.condition().test(event)) {
                out.add(r);
                if (first) {
                    return;
                }
            }
        }
    }

    /**
     * First-match with rules that only feed correlations: those never alert, so they neither take the
     * event's one alert nor lose the event to the rule that does (each correlation counts what its rules match).
     */
    private void matchFirstFeeding(AuditEvent event, List<Rule> out) {
        boolean taken = false;
        for (Rule r : index.candidates(event)) {
            boolean feeds = quietRules.contains(r);
            if (taken && !feeds) {
                continue;
            }
            if (r.condition().test(event)) {
                out.add(r);
                taken |= !feeds;
            }
        }
    }

    /**
     * True for a rule whose alerts only feed correlations (and is not once per request): its
     * {@link #hit} needs no output and no whole event, only what the correlations read.
     */
    public boolean feedsOnly(Rule r) {
        return quietRules.contains(r) && !r.oncePerRequest();
    }

    /**
     * What a {@link #feedsOnly} rule's match hands the correlations: the projected event (which
     * holds every group-by and counted field: the rule compiler put them in the projection), its
     * time and place; no output is rendered, since the alert is never shown.
     */
    public Alert hit(Rule r, AuditEvent event) {
        return new Alert(event.timeNanos(), r.name(), r.priority(), r.source(), r.tags(), "", "", Map.of(),
                "", event.location(), "", r.description(), event.root(), r.id(), null);
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
                Hostname.get(), full.location(), auditId == null ? "" : auditId, r.description(), root, r.id(), null);
    }
}
