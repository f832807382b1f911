package io.kaudit.run;

import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.engine.RunStats;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decode then evaluate: one line (or one parsed value) in, alerts out. Every front door (scan's
 * workers, follow, serve) goes through this, so they agree on what an input yields. One instance
 * per thread.
 */
public final class LineEvaluator {
    private final Engine engine;
    private final EnvelopeDecoder decoder;
    private final EnvelopeDecoder fullDecoder = new EnvelopeDecoder(Projection.ALL);
    private final List<Rule> matched = new ArrayList<>();
    /** Events in the time window, and the earliest and latest event time seen (ns), for the run's summary. */
    private long inWindow;
    private long earliest = Long.MAX_VALUE;
    private long latest = Long.MIN_VALUE;

    public LineEvaluator(Engine engine, Projection projection) {
        this.engine = engine;
        this.decoder = new EnvelopeDecoder(projection);
    }

    /** What one line held: where the next starts, how many events, and why (part of) it was unusable. */
    public record Outcome(int next, int events, String problem) {
    }

    /**
     * Evaluates the line at {@code from} in a buffer of whole lines ending at {@code limit}, showing
     * each decoded (projected) event to {@code each}, if not null, before it is evaluated. (One
     * method, not an overload without {@code each}: the JIT compiled each overload with the whole
     * decoder inlined, twice the work during warm-up.)
     */
    public Outcome line(byte[] data, int from, int limit, String name, long line, List<Alert> alerts,
                        Consumer<AuditEvent> each) {
        EnvelopeDecoder.Result decoded = decoder.decodeLine(data, from, limit, name, line);
        if (each != null) {
            decoded.events().forEach(each);
        }
        evaluate(decoded.events(), () -> fullDecoder.decodeLine(data, from, limit, name, line).events(), alerts);
        return new Outcome(decoded.next(), decoded.events().size(), decoded.problem());
    }

    /** Adds what this evaluator saw of event times to {@code stats} (call once its work is done). */
    public void addTimesTo(RunStats stats) {
        stats.inWindow += inWindow;
        stats.earliestNanos = Math.min(stats.earliestNanos, earliest);
        stats.latestNanos = Math.max(stats.latestNanos, latest);
    }

    /** Evaluates an already parsed value (a JSON or YAML document, an HTTP body item), showing each event to {@code each} if not null. */
    public Outcome value(JsonValue value, String name, long line, List<Alert> alerts, Consumer<AuditEvent> each) {
        EnvelopeDecoder.Result decoded = fullDecoder.decode(value, name, line);
        if (each != null) {
            decoded.events().forEach(each);
        }
        evaluate(decoded.events(), decoded::events, alerts);
        return new Outcome(-1, decoded.events().size(), decoded.problem());
    }

    /**
     * Runs the engine; alerts re-decode their line whole ({@code full}, at most once) because
     * outputs may print fields the projection skipped (not those of rules that only feed correlations).
     */
    private void evaluate(List<AuditEvent> events, Supplier<List<AuditEvent>> full, List<Alert> alerts) {
        List<AuditEvent> whole = null;
        for (AuditEvent e : events) {
            long t = e.timeNanos();
            earliest = Math.min(earliest, t);
            latest = Math.max(latest, t);
            if (!engine.selection().inWindow(t)) {
                continue;
            }
            inWindow++;
            matched.clear();
            engine.match(e, matched);
            if (matched.isEmpty()) {
                continue;
            }
            for (Rule r : matched) {
                if (engine.feedsOnly(r)) {   // never shown: the correlations read the projected event
                    alerts.add(engine.hit(r, e));
                    continue;
                }
                if (whole == null) {
                    whole = full.get();
                }
                alerts.add(engine.alert(r, whole.get(e.ordinal())));
            }
        }
    }
}
