package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.engine.EventObserver;
import io.kaudit.engine.Listener;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Bytes;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import io.kaudit.framing.DocumentReader;
import io.kaudit.framing.InputFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One HTTP body in, its alerts out, or the reason it is malformed: all or nothing, so a client that
 * retries a rejected batch never makes half of it alert twice. NDJSON is read line by line; a
 * pretty-printed document whole. Thread-safe (one {@link LineEvaluator} per thread).
 */
public final class BatchEvaluator {
    private final ThreadLocal<LineEvaluator> evaluators;
    /** Each request thread's observer of every event, for a listener that wants one (the HTML report). */
    private final ThreadLocal<Consumer<AuditEvent>> observers;

    public BatchEvaluator(Engine engine, Projection projection) {
        this(engine, projection, null);
    }

    /** The same, showing every event to {@code observed}'s observers (one per thread), if it wants them. */
    public BatchEvaluator(Engine engine, Projection projection, Listener observed) {
        this.evaluators = ThreadLocal.withInitial(() -> new LineEvaluator(engine, projection));
        this.observers = ThreadLocal.withInitial(() -> observed == null ? null : EventObserver.of(observed, engine.selection()));
    }

    /** What a body held. {@code problem} is null when it was usable. */
    public record Batch(List<Alert> alerts, int events, String problem) {
    }

    public Batch evaluate(byte[] body, int length, String source) {
        LineEvaluator evaluator = evaluators.get();
        Consumer<AuditEvent> observer = observers.get();
        List<Alert> alerts = new ArrayList<>();
        int start = Bytes.bomLength(body, length);
        int events = 0;
        if (InputFormat.isMultiLineDocument(body, start, length)) {
            int[] count = {0};
            String[] problem = {null};
            try {
                DocumentReader.read(new ByteArrayInputStream(body, start, length - start), new DocumentReader.Handler() {
                    @Override
                    public void value(io.kaudit.event.JsonValue value, long line) {
                        LineEvaluator.Outcome o = evaluator.value(value, source, line, alerts, observer);
                        count[0] += o.events();
                        if (o.problem() != null && problem[0] == null) {
                            problem[0] = "line " + line + ": " + o.problem();
                        }
                    }

                    @Override
                    public void malformed(long line, String reason) {
                        if (problem[0] == null) {
                            problem[0] = "line " + line + ": " + reason;   // a batch is all or nothing
                        }
                    }
                });
            } catch (IOException e) {
                return new Batch(List.of(), 0, "invalid JSON: " + JsonReader.message(e));
            }
            return problem[0] != null ? new Batch(List.of(), 0, problem[0]) : empty(alerts, count[0]);
        }
        long line = 0;
        int pos = start;
        while (pos < length) {
            line++;
            LineEvaluator.Outcome o = evaluator.line(body, pos, length, source, line, alerts, observer);
            if (o.problem() != null) {
                return new Batch(List.of(), 0, "line " + line + ": " + o.problem());
            }
            events += o.events();
            pos = o.next();
        }
        return empty(alerts, events);
    }

    private static Batch empty(List<Alert> alerts, int events) {
        return events == 0 ? new Batch(List.of(), 0, "no audit events in the body") : new Batch(alerts, events, null);
    }
}
