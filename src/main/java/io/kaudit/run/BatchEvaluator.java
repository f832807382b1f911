package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Bytes;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import io.kaudit.framing.DocumentReader;
import io.kaudit.framing.FrameHandler;
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

    /** Evaluators and event observers (for a sink that wants them: the HTML report) of {@code run}, one per thread. */
    public BatchEvaluator(Run run, Projection projection) {
        this.evaluators = ThreadLocal.withInitial(() -> run.evaluator(projection));
        this.observers = ThreadLocal.withInitial(run::observer);
    }

    /** What a body held. {@code problem} is null when it was usable, else why not, at {@code line} (0: the whole body). */
    public record Batch(List<Alert> alerts, int events, String problem, long line) {
        Batch(List<Alert> alerts, int events) {
            this(alerts, events, null, 0);
        }

        static Batch rejected(long line, String problem) {
            return new Batch(List.of(), 0, problem, line);
        }

        /** The problem as the sender is told it: with its line when it has one. */
        public String message() {
            return problem == null || line <= 0 ? problem : "line " + line + ": " + problem;
        }
    }

    public Batch evaluate(byte[] body, int length, String source) {
        LineEvaluator evaluator = evaluators.get();
        Consumer<AuditEvent> observer = observers.get();
        List<Alert> alerts = new ArrayList<>();
        int start = Bytes.bomLength(body, length);
        int events = 0;
        if (InputFormat.isMultiLineDocument(body, start, length)) {
            int[] count = {0};
            Batch[] problem = {null};
            try {
                DocumentReader.read(new ByteArrayInputStream(body, start, length - start), source, new FrameHandler() {
                    @Override
                    public void value(String path, io.kaudit.event.JsonValue value, long line) {
                        LineEvaluator.Outcome o = evaluator.value(value, source, line, alerts, observer);
                        count[0] += o.events();
                        if (o.problem() != null && problem[0] == null) {
                            problem[0] = Batch.rejected(line, o.problem());
                        }
                    }

                    @Override
                    public void skipped(String path, long line, String reason) {
                        if (problem[0] == null) {
                            problem[0] = Batch.rejected(line, reason);   // a batch is all or nothing
                        }
                    }
                });
            } catch (IOException e) {
                return Batch.rejected(0, "invalid JSON: " + JsonReader.message(e));
            }
            return problem[0] != null ? problem[0] : empty(alerts, count[0]);
        }
        long line = 0;
        int pos = start;
        while (pos < length) {
            line++;
            LineEvaluator.Outcome o = evaluator.line(body, pos, length, source, line, alerts, observer);
            if (o.problem() != null) {
                return Batch.rejected(line, o.problem());
            }
            events += o.events();
            pos = o.next();
        }
        return empty(alerts, events);
    }

    private static Batch empty(List<Alert> alerts, int events) {
        return events == 0 ? Batch.rejected(0, "no audit events in the body") : new Batch(alerts, events);
    }
}
