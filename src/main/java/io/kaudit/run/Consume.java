package io.kaudit.run;

import io.kaudit.event.Location;
import io.kaudit.live.KafkaSource;
import io.kaudit.report.Sink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * consume's work, out of the command: a poll's records evaluated on the workers, their outcomes
 * handed to the run in record order, then the run flushed (the output written, webhooks and the
 * alerts topic handed their alerts) before the source may commit the offsets.
 */
public final class Consume implements KafkaSource.Records {
    private final RecordWorkers workers;
    private final Run run;

    /**
     * @param run every record's outcome goes to it in record order: a correlation alert goes out
     *            (flushed with the poll's alerts, before the offsets commit) in the poll whose records complete it
     */
    public Consume(RecordWorkers workers, Run run) {
        this.workers = workers;
        this.run = run;
    }

    @Override
    public List<KafkaSource.Outcome> deliver(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        List<RecordWorkers.Evaluated> done = workers.evaluate(records);
        List<KafkaSource.Outcome> outcomes = new ArrayList<>(done.size());
        synchronized (run.stats()) {   // a poll's outcomes together: /metrics never sees half of one
            for (RecordWorkers.Evaluated e : done) {
                ConsumerRecord<byte[], byte[]> r = e.record();
                run.read(1, r.value() == null ? 0 : r.value().length, e.events());
                int kept = run.alerts(e.alerts());
                if (e.problem() != null) {
                    run.malformed(Location.ofRecord(r.topic(), r.partition(), r.offset(), -1), e.problem());
                }
                outcomes.add(new KafkaSource.Outcome(e.events(), kept, e.problem()));
            }
        }
        run.flush();
        return outcomes;
    }
}
