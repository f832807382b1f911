package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.engine.RunStats;
import io.kaudit.event.Location;
import io.kaudit.live.KafkaSource;
import io.kaudit.report.Sink;
import java.io.Flushable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * consume's work, out of the command: a poll's records evaluated on the workers, their alerts and
 * malformed records handed to the sink in record order and counted, then everything flushed (the
 * output written, webhooks and the alerts topic handed their alerts) before the source may commit
 * the offsets.
 */
public final class Consume implements KafkaSource.Records {
    private final RecordWorkers workers;
    private final Sink sink;
    private final RunStats stats;
    private final Object lock;
    private final Flushable flush;
    /** The correlations' and once-per-request state in this member. */
    private final io.kaudit.engine.Correlator correlator;

    /**
     * @param sink  every sink (stdout or -o, webhooks, the alerts topic), as one
     * @param lock  what guards {@code stats} for the readers of /metrics and the progress line
     * @param flush returns once what the sink was given is written or handed on
     * @param correlator every alert passes through it in record order: the alerts of rules that only
     *                   feed correlations are dropped, and a correlation alert goes out (flushed with
     *                   the poll's alerts, before the offsets commit) in the poll whose records complete it
     */
    public Consume(RecordWorkers workers, Sink sink, RunStats stats, Object lock, Flushable flush,
                   io.kaudit.engine.Correlator correlator) {
        this.workers = workers;
        this.sink = sink;
        this.stats = stats;
        this.lock = lock;
        this.flush = flush;
        this.correlator = correlator;
    }

    /**
     * The stop: events the correlations still hold back (within the slack) are counted and open
     * windows judged; their alerts go to {@code to} (the sinks that can still take them), flushed.
     */
    public void finish(Sink to, Flushable flushTo) throws IOException {
        synchronized (lock) {
            correlator.flush(a -> {
                stats.countAlert(a);
                to.alert(a);
            });
            correlator.addTo(stats);
        }
        flushTo.flush();
    }

    @Override
    public List<KafkaSource.Outcome> deliver(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        List<RecordWorkers.Evaluated> done = workers.evaluate(records);
        List<KafkaSource.Outcome> outcomes = new ArrayList<>(done.size());
        synchronized (lock) {
            for (RecordWorkers.Evaluated e : done) {
                ConsumerRecord<byte[], byte[]> r = e.record();
                stats.lines++;
                stats.bytes += r.value() == null ? 0 : r.value().length;
                stats.events += e.events();
                int[] kept = {0};
                for (Alert a : e.alerts()) {
                    correlator.accept(a, x -> {
                        kept[0]++;
                        stats.countAlert(x);
                        sink.alert(x);
                    });
                }
                if (e.problem() != null) {
                    Location where = Location.ofRecord(r.topic(), r.partition(), r.offset(), -1);
                    stats.countMalformed(where, e.problem());
                    sink.malformed(where, e.problem());
                }
                outcomes.add(new KafkaSource.Outcome(e.events(), kept[0], e.problem()));
            }
        }
        flush.flush();
        return outcomes;
    }
}
