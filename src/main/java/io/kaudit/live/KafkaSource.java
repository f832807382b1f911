package io.kaudit.live;

import io.kaudit.event.Location;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A member of a Kafka consumer group reading audit records: poll, evaluate (on workers), hand the
 * outcomes to the sinks, flush them, then commit the offsets, one poll at a time. At least once:
 * offsets are committed only after the alerts of the records before them were flushed to every
 * sink, and synchronously when partitions are revoked, so a clean rebalance repeats nothing.
 * Exactly once ({@link AlertProducer#transactional()}): a poll's alerts and its offsets are one
 * Kafka transaction; when the transaction cannot commit (the group moved on), it is aborted and
 * the partitions are read again from the offsets before it.
 */
public final class KafkaSource {
    /** What to read: topic names, or a pattern over topic names. */
    public record Subscription(List<String> topics, Pattern pattern) {
        /** Whether {@code topic} is read: named, or matched by the pattern. */
        public boolean covers(String topic) {
            return topics != null && topics.contains(topic) || pattern != null && pattern.matcher(topic).matches();
        }

        @Override
        public String toString() {
            return pattern != null ? "topics matching " + pattern.pattern() : "topic" + (topics.size() == 1 ? " " : "s ")
                    + String.join(", ", topics);
        }
    }

    /** Malformed records shown one by one on stderr; after these, only counted. */
    private static final int MALFORMED_SHOWN = 5;

    private KafkaConsumer<byte[], byte[]> consumer;
    /** The classic protocol's settings, to fall back to when the cluster lacks the consumer protocol; or null. */
    private final Properties classicFallback;
    private final Subscription subscription;
    private final Records handler;
    private final AlertProducer producer;
    private final KafkaProgress progress;
    private final Consumer<String> log;
    private final boolean exitAtEnd;
    /** Offsets after the last record delivered to every sink, per partition, not yet known committed. */
    private final Map<TopicPartition, OffsetAndMetadata> delivered = new HashMap<>();
    private volatile boolean stopping;
    private boolean everAssigned;
    private long lastActivityNanos = System.nanoTime();
    private long malformedShown;

    /** What a record held, as the handler saw it: events, alerts, and why it held no audit event (or null). */
    public record Outcome(int events, int alerts, String problem) {
    }

    /** Evaluates a poll's records and delivers their alerts to every sink, flushed; one outcome per record, in order. */
    public interface Records {
        List<Outcome> deliver(List<ConsumerRecord<byte[], byte[]>> records) throws IOException;
    }

    /**
     * @param handler  evaluates records and delivers their alerts (to the alerts topic too: {@code producer} is one of its sinks)
     * @param producer the alerts and dead-letter topics, or null; its transaction (if any) is committed here
     */
    public KafkaSource(Properties consumerConfig, Properties classicFallback, Subscription subscription,
                       Records handler, AlertProducer producer, KafkaProgress progress,
                       Consumer<String> log, boolean exitAtEnd) {
        this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.classicFallback = classicFallback;
        this.subscription = subscription;
        this.handler = handler;
        this.producer = producer;
        this.progress = progress;
        this.log = log;
        this.exitAtEnd = exitAtEnd;
    }

    /** Fails with a clear message when no broker answers within {@code timeout}; warns of named topics that do not exist. */
    public void check(Duration timeout) throws IOException {
        Set<String> existing;
        try {
            existing = consumer.listTopics(timeout).keySet();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IOException("no Kafka broker answered within " + timeout.toSeconds() + " s (" + e.getMessage() + ")");
        } catch (AuthenticationException | AuthorizationException e) {
            throw new IOException("Kafka refused kaudit: " + e.getMessage());
        }
        if (subscription.topics() != null) {
            for (String t : subscription.topics()) {
                if (!existing.contains(t)) {
                    log.accept("topic " + t + " does not exist (yet): waiting for it");
                }
            }
        }
    }

    /** Reads until {@link #stop()} (or, with exit-at-end, until the assigned partitions are read to their end). */
    public void run() throws IOException {
        subscribe();
        try {
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(200));
                } catch (UnsupportedVersionException e) {
                    if (classicFallback == null) {
                        throw new IOException("the Kafka cluster does not support this consumer: " + e.getMessage(), e);
                    }
                    log.accept("the cluster has no consumer group protocol (KIP-848, Kafka 4.0+): using the classic one");
                    consumer.close(Duration.ZERO);
                    consumer = new KafkaConsumer<>(classicFallback, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                    subscribe();
                    continue;
                }
                if (records.isEmpty()) {
                    updateLag();
                    if (exitAtEnd && atEnd()) {
                        break;
                    }
                    continue;
                }
                lastActivityNanos = System.nanoTime();
                progress.polled();
                List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>(records.count());
                for (TopicPartition tp : records.partitions()) {
                    list.addAll(records.records(tp));
                }
                deliver(list);
                updateLag();
            }
        } catch (WakeupException | InterruptException e) {
            // stop() while polling
        } finally {
            try {
                commitDelivered();
            } finally {
                consumer.close(Duration.ofSeconds(10));   // leaves the group: the partitions move at once
            }
        }
    }

    private void subscribe() {
        ConsumerRebalanceListener listener = new Rebalance();
        if (subscription.pattern() != null) {
            consumer.subscribe(subscription.pattern(), listener);
        } else {
            consumer.subscribe(subscription.topics(), listener);
        }
    }

    /** Evaluates, hands to every sink, flushes, commits: one poll's records. */
    private void deliver(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        List<Outcome> outcomes = handler.deliver(records);   // every sink has the alerts: only now may the offsets move
        Map<TopicPartition, long[]> counts = new LinkedHashMap<>();   // records, events, alerts, malformed
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        Map<TopicPartition, Long> first = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            Outcome o = outcomes.get(i);
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            long[] c = counts.computeIfAbsent(tp, k -> new long[4]);
            first.putIfAbsent(tp, r.offset());
            c[0]++;
            c[1] += o.events();
            c[2] += o.alerts();
            if (o.problem() != null) {
                c[3]++;
                malformed(r, o.problem());
            }
            next.put(tp, new OffsetAndMetadata(r.offset() + 1));
        }
        if (producer != null && producer.transactional()) {
            try {
                producer.commit(next, consumer.groupMetadata());
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException e) {
                throw new IOException("the alerts transaction cannot go on: " + e.getMessage(), e);
            } catch (KafkaException e) {
                // the group moved on (rebalance): nothing of this poll counts; read it again if still ours
                log.accept("transaction aborted (" + e.getMessage() + "): its records will be read again");
                producer.abort();
                Set<TopicPartition> mine = consumer.assignment();
                for (Map.Entry<TopicPartition, Long> f : first.entrySet()) {
                    if (mine.contains(f.getKey())) {
                        consumer.seek(f.getKey(), f.getValue());
                    }
                }
                return;
            }
            progress.committed(next.size());
        } else {
            delivered.putAll(next);
            Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>(next);
            consumer.commitAsync(toCommit, (offsets, e) -> {
                if (e == null) {
                    progress.committed(offsets.size());
                    offsets.forEach((tp, o) -> delivered.remove(tp, o));   // unless a later poll's offset replaced it
                }
            });
        }
        for (Map.Entry<TopicPartition, long[]> c : counts.entrySet()) {
            long[] v = c.getValue();
            progress.delivered(c.getKey(), next.get(c.getKey()).offset(), v[0], v[1], v[2], v[3]);
        }
    }

    /** A record that held no audit event (the handler counted it): shown, and forwarded to the dead-letter topic. */
    private void malformed(ConsumerRecord<byte[], byte[]> r, String reason) {
        if (producer != null) {
            producer.deadLetter(r, reason);
        }
        if (malformedShown++ < MALFORMED_SHOWN) {
            log.accept("skipped " + Location.ofRecord(r.topic(), r.partition(), r.offset(), -1) + ": " + reason
                    + (malformedShown == MALFORMED_SHOWN ? " (further malformed records are counted, not shown)" : ""));
        }
    }

    /** Commits, synchronously, what was delivered and is not known committed (at least once only). */
    private void commitDelivered() {
        commitDelivered(delivered.keySet());
    }

    private void commitDelivered(Collection<TopicPartition> partitions) {
        if (producer != null && producer.transactional()) {
            return;   // committed with each transaction
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = delivered.get(tp);
            if (o != null) {
                offsets.put(tp, o);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(30));
            progress.committed(offsets.size());
            offsets.keySet().forEach(delivered::remove);
        } catch (CommitFailedException | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            log.accept("offsets not committed (" + e.getMessage() + "): another member will read those records again");
        } catch (WakeupException | InterruptException e) {
            commitDelivered(partitions);   // stop() came while committing: finish the commit first
        }
    }

    private void updateLag() {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                progress.lag(tp, lag.getAsLong());
            }
        }
    }

    /** Exit-at-end: the assigned partitions are read to their end (or none came for a while). */
    private boolean atEnd() {
        Set<TopicPartition> mine = consumer.assignment();
        double idle = (System.nanoTime() - lastActivityNanos) / 1e9;
        if (mine.isEmpty()) {   // between assignments, or a member with nothing to do: done when the group is
            return idle > (everAssigned ? 3 : 20) && groupAtEnd();
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(mine, Duration.ofSeconds(30));
        for (TopicPartition tp : mine) {
            if (consumer.position(tp, Duration.ofSeconds(30)) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the group has committed every partition of the named topics to its end: a member left without
     * partitions in a slow rebalance must not leave while partitions wait for an owner. (A pattern: true.)
     */
    private boolean groupAtEnd() {
        if (subscription.topics() == null) {
            return true;
        }
        Set<TopicPartition> all = new HashSet<>();
        for (String t : subscription.topics()) {
            for (PartitionInfo p : consumer.partitionsFor(t, Duration.ofSeconds(30))) {
                all.add(new TopicPartition(t, p.partition()));
            }
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(all, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(30));
        for (TopicPartition tp : all) {
            OffsetAndMetadata c = committed.get(tp);
            if ((c == null ? 0 : c.offset()) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    /** Asks the loop to finish: what was polled is delivered and committed, then the member leaves the group. */
    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    /** Partitions moving: commit what was delivered of those revoked; count the new ones. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitDelivered(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                progress.assigned(tp, false);
                delivered.remove(tp);
            }
            told("revoked", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {   // another member owns them already: nothing to commit
                progress.assigned(tp, false);
                delivered.remove(tp);
            }
            told("lost", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                everAssigned = true;
                lastActivityNanos = System.nanoTime();
            }
            for (TopicPartition tp : partitions) {
                progress.assigned(tp, true);
            }
            told("assigned", partitions);
        }

        private void told(String what, Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            List<String> names = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                names.add(tp.topic() + "/" + tp.partition());
            }
            java.util.Collections.sort(names);
            int now = consumer.assignment().size() + (what.equals("assigned") ? 0 : -partitions.size());
            log.accept("partitions " + what + ": " + String.join(", ", names) + "; now reading " + Math.max(0, now));
        }
    }
}
