package io.kaudit.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The consume benchmark's producer: creates a topic and writes a log into it, one record per line
 * (as Fluent Bit's kafka output does), keyed by nothing, compressed as asked; reports records/s.
 * {@code java -cp kaudit.jar io.kaudit.bench.ProduceLog LOG BOOTSTRAP TOPIC [PARTITIONS] [COMPRESSION]}
 */
public final class ProduceLog {
    private ProduceLog() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        String bootstrap = args[1];
        String topic = args[2];
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        String compression = args.length > 4 ? args[4] : "lz4";
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(java.util.List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        p.put("compression.type", compression);
        p.put("linger.ms", "20");
        p.put("batch.size", Integer.toString(512 << 10));
        p.put("buffer.memory", Long.toString(128L << 20));
        AtomicReference<Exception> failed = new AtomicReference<>();
        long n = 0;
        long bytes = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8),
                     1 << 20)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                byte[] v = line.getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, v), (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
                n++;
                bytes += v.length;
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "produced %d records (%.0f MiB) to %s (%d partitions, %s) in %.2f s: %.0f records/s%n",
                n, bytes / 1048576.0, topic, partitions, compression, s, n / s);
    }
}
