package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.event.Bytes;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Location;
import io.kaudit.event.JsonReader;
import io.kaudit.framing.DocumentReader;
import io.kaudit.framing.FrameHandler;
import io.kaudit.framing.InputFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One Kafka record's value in, its events evaluated, alerts placed at the record (topic, partition,
 * offset, and the item index when it held several events). A record is what collectors write: an
 * Event, an EventList or array, a Fluent Bit record, NDJSON lines, or a pretty-printed document.
 * Unlike an HTTP batch, a record is not all or nothing: a bad item is reported while the good ones
 * around it still alert, as in a log line. One instance per thread.
 */
public final class RecordEvaluator {
    private final LineEvaluator evaluator;
    /** This thread's observer of every event, for a sink that wants one (the HTML report, the log's visibility), or null. */
    private final java.util.function.Consumer<io.kaudit.event.AuditEvent> observer;
    private final List<Alert> found = new ArrayList<>();

    public RecordEvaluator(LineEvaluator evaluator, java.util.function.Consumer<io.kaudit.event.AuditEvent> observer) {
        this.evaluator = evaluator;
        this.observer = observer;
    }

    /** What a record held: its events, and why (part of) it was not audit events, or null. */
    public record Outcome(int events, String problem) {
    }

    /** Evaluates one record's value, adding its alerts (placed at the record) to {@code alerts}. */
    public Outcome evaluate(byte[] value, String topic, int partition, long offset, List<Alert> alerts) {
        if (value == null) {
            return new Outcome(0, "a record without a value (a tombstone)");
        }
        found.clear();
        int start = Bytes.bomLength(value, value.length);
        int events = 0;
        String problem = null;
        int lines = 0;
        if (InputFormat.isMultiLineDocument(value, start, value.length)) {
            int[] count = {0, 0};   // events, values
            String[] bad = {null};
            try {
                DocumentReader.read(new ByteArrayInputStream(value, start, value.length - start), topic, new FrameHandler() {
                    @Override
                    public void value(String path, JsonValue v, long line) {
                        LineEvaluator.Outcome o = evaluator.value(v, topic, count[0], found, observer);
                        count[0] += o.events();
                        count[1]++;
                        if (o.problem() != null && bad[0] == null) {
                            bad[0] = "line " + line + ": " + o.problem();
                        }
                    }

                    @Override
                    public void skipped(String path, long line, String reason) {
                        count[1]++;
                        if (bad[0] == null) {
                            bad[0] = "line " + line + ": " + reason;
                        }
                    }
                });
            } catch (IOException e) {
                bad[0] = "invalid JSON: " + JsonReader.message(e);
            }
            events = count[0];
            problem = bad[0];
            lines = count[1];
        } else {
            int pos = start;
            while (pos < value.length) {
                // the evaluator's "line" is the count of events before it: alerts of later lines get their index from it
                LineEvaluator.Outcome o = evaluator.line(value, pos, value.length, topic, events, found, observer);
                if (o.problem() != null && problem == null) {
                    problem = lines > 0 ? "line " + (lines + 1) + ": " + o.problem() : o.problem();
                }
                if (o.events() > 0 || o.problem() != null) {
                    lines++;
                }
                events += o.events();
                pos = o.next();
            }
        }
        if (events == 0 && problem == null) {
            problem = "no audit event in the record";
        }
        for (Alert a : found) {
            Location at = a.location();
            // one line: the decoder's own index (an EventList item, or -1 for one event); several: the event's place in the record
            int index = lines > 1 ? (int) at.line() + Math.max(0, at.index()) : at.index();
            alerts.add(a.at(Location.ofRecord(topic, partition, offset, index)));
        }
        return new Outcome(events, problem);
    }
}
