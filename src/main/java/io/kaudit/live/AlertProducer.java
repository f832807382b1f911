package io.kaudit.live;

import io.kaudit.engine.Alert;
import io.kaudit.report.AlertJson;
import io.kaudit.report.Sink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The sink that writes alerts to a Kafka topic ({@code --alerts-topic}, Falco's JSON alert per
 * record) and the records that held no audit event to a dead-letter topic, with where they came
 * from and why in headers. Transactional under {@code --exactly-once}: the alerts of a poll and
 * the consumer's offsets are committed together, or neither.
 */
public final class AlertProducer implements Sink, AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String alertsTopic;
    private final String deadLetterTopic;
    private final boolean transactional;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private boolean open;

    /** @param alertsTopic or null; @param deadLetterTopic or null; @param config from {@link ClientConfig#producer} */
    public AlertProducer(Properties config, String alertsTopic, String deadLetterTopic) {
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.alertsTopic = alertsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.transactional = config.containsKey("transactional.id");
        if (transactional) {
            producer.initTransactions();   // fences and aborts what a predecessor with the same id left open
        }
    }

    public boolean transactional() {
        return transactional;
    }

    @Override
    public void alert(Alert a) {
        if (alertsTopic != null) {
            send(new ProducerRecord<>(alertsTopic, AlertJson.toJson(a).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Forwards a record that held no audit event, with its origin and the reason in headers. */
    public void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason) {
        if (deadLetterTopic == null) {
            return;
        }
        RecordHeaders headers = new RecordHeaders();
        for (Header h : r.headers()) {
            headers.add(h);
        }
        headers.add("kaudit.topic", r.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("kaudit.partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("kaudit.offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        headers.add("kaudit.reason", reason.getBytes(StandardCharsets.UTF_8));
        send(new ProducerRecord<>(deadLetterTopic, null, r.key(), r.value(), headers));
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        if (transactional && !open) {
            producer.beginTransaction();
            open = true;
        }
        producer.send(record, (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    /**
     * At least once: waits until every record sent was acknowledged; throws if one was not (the
     * caller must then not commit the offsets of the records behind it).
     */
    public void flush() throws IOException {
        producer.flush();
        Exception e = failure.getAndSet(null);
        if (e != null) {
            throw new IOException("cannot write to Kafka: " + e.getMessage(), e);
        }
    }

    /** Exactly once: commits what was sent since the last commit together with the consumer's {@code offsets}. */
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        if (!open) {
            producer.beginTransaction();
            open = true;
        }
        producer.sendOffsetsToTransaction(offsets, group);
        producer.commitTransaction();
        open = false;
        failure.set(null);
    }

    /** Exactly once: drops what was sent since the last commit (a rebalance took the partitions away). */
    public void abort() {
        if (open) {
            producer.abortTransaction();
            open = false;
        }
        failure.set(null);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
