package io.kaudit.run;

import io.kaudit.engine.Alert;
import io.kaudit.event.Projection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Evaluates the records of one poll on worker threads, in slices, and gives their outcomes back in
 * the order of the records (per partition, offset order). The poll thread waits: a poll is
 * delivered and committed whole before the next, which keeps rebalances and transactions simple.
 */
public final class RecordWorkers implements AutoCloseable {
    /** Records per slice: enough to amortise the hand-over, few enough to spread a poll over the workers. */
    private static final int SLICE = 256;

    /** One record's outcome: its alerts (placed at it), events, and why it held no audit event (or null). */
    public record Evaluated(ConsumerRecord<byte[], byte[]> record, List<Alert> alerts, int events, String problem) {
    }

    private final ThreadLocal<RecordEvaluator> evaluators;
    private final ExecutorService pool;
    private final int threads;

    /** Workers evaluating with {@code run}'s evaluators (whose event times count in its stats). */
    public RecordWorkers(Run run, Projection projection, int threads) {
        this.threads = Math.max(1, threads);
        this.evaluators = ThreadLocal.withInitial(() -> new RecordEvaluator(run.evaluator(projection), run.observer()));
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "kaudit-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** The outcomes of {@code records}, in their order. */
    public List<Evaluated> evaluate(List<ConsumerRecord<byte[], byte[]>> records) {
        if (pool == null || records.size() <= SLICE) {
            return slice(records, 0, records.size());
        }
        List<Future<List<Evaluated>>> parts = new ArrayList<>();
        for (int from = 0; from < records.size(); from += SLICE) {
            int f = from;
            int to = Math.min(records.size(), from + SLICE);
            parts.add(pool.submit(() -> slice(records, f, to)));
        }
        List<Evaluated> out = new ArrayList<>(records.size());
        try {
            for (Future<List<Evaluated>> p : parts) {
                out.addAll(p.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while evaluating records", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return out;
    }

    private List<Evaluated> slice(List<ConsumerRecord<byte[], byte[]>> records, int from, int to) {
        RecordEvaluator ev = evaluators.get();
        List<Evaluated> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            List<Alert> alerts = new ArrayList<>(0);
            RecordEvaluator.Outcome o = ev.evaluate(r.value(), r.topic(), r.partition(), r.offset(), alerts);
            out.add(new Evaluated(r, alerts, o.events(), o.problem()));
        }
        return out;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
