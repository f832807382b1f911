package io.kaudit.live;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real Apache Kafka broker for tests: KRaft mode (broker and controller in one), a child JVM on
 * free loopback ports with a fresh log dir under {@code target/kafka-test/}, a modest heap, and
 * short timeouts so a killed member's partitions and open transactions move on within seconds.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final Process process;
    private final String bootstrap;
    private final Admin admin;

    private KafkaBroker(Path dir, Process process, String bootstrap) {
        this.dir = dir;
        this.process = process;
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        this.admin = Admin.create(p);
    }

    /** Starts a broker and waits until it answers (a port taken meanwhile by another process: tried again). */
    public static KafkaBroker start(Path projectTarget) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce(projectTarget);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private static KafkaBroker startOnce(Path projectTarget) throws IOException, InterruptedException {
        int port = freePort();
        int controller = freePort();
        Path dir = Files.createDirectories(projectTarget.resolve("kafka-test"))
                .resolve("broker-" + System.currentTimeMillis() + "-" + port);
        Files.createDirectories(dir);
        String bootstrap = "127.0.0.1:" + port;
        String config = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://" + bootstrap,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "num.network.threads=2",
                "num.io.threads=2",
                "background.threads=2",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
                "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=1000",
                // the consumer protocol (KIP-848): a killed member's partitions move after 10 s, not 45
                "group.consumer.min.session.timeout.ms=2000",
                "group.consumer.session.timeout.ms=10000",
                "group.consumer.min.heartbeat.interval.ms=500",
                "group.consumer.heartbeat.interval.ms=1000",
                "auto.create.topics.enable=false",
                "log.segment.bytes=104857600",
                "");
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, config, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx" + System.getProperty("kaudit.test.brokerHeap", "384m"), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=" + System.getProperty("kaudit.test.brokerTier", "1"),
                "-cp", System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(), properties.toString(),
                randomClusterId()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!listening(port)) {   // before the admin client exists: it would warn of every refused connection
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("the Kafka broker " + (p.isAlive() ? "did not listen within 180 s" : "exited")
                        + "; see " + dir.resolve("broker.log") + ":\n" + tail(dir.resolve("broker.log")));
            }
            Thread.sleep(100);
        }
        KafkaBroker broker = new KafkaBroker(dir, p, bootstrap);
        while (true) {
            if (!p.isAlive()) {
                broker.close();
                throw new IOException("the Kafka broker exited (" + p.exitValue() + "); see " + dir.resolve("broker.log")
                        + ":\n" + tail(dir.resolve("broker.log")));
            }
            try {
                broker.admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                broker.admin.listTopics().names().get(5, TimeUnit.SECONDS);
                return broker;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    broker.close();
                    throw new IOException("the Kafka broker did not answer within 120 s; see " + dir.resolve("broker.log"));
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String randomClusterId() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    public Admin admin() {
        return admin;
    }

    /** Creates a topic with {@code partitions} partitions and waits until each has a leader (else producers retry at length). */
    public void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                var d = admin.describeTopics(List.of(name)).allTopicNames().get(10, TimeUnit.SECONDS).get(name);
                if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null
                        && !p.leader().isEmpty())) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not known everywhere yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("topic " + name + " has no leader for every partition after 60 s");
            }
            Thread.sleep(100);
        }
    }

    /** A producer with the given extra settings (compression, ...). */
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("linger.ms", "5");
        // One request in flight per connection: with more, a first batch that fails retriably (the new topic's
        // leader not known yet) is overtaken by the next, and the idempotent producer then retries it with
        // OUT_OF_ORDER_SEQUENCE_NUMBER until it expires (KAFKA-14359) -- records lost before any member reads.
        p.put("max.in.flight.requests.per.connection", "1");
        p.putAll(extra);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static final java.util.regex.Pattern AUDIT_ID = java.util.regex.Pattern.compile("\"auditID\"\\s*:\\s*\"([^\"]+)\"");

    /**
     * A record's key as a collector keying by request would set it: its auditID, so that every stage of one
     * request lands in one partition (once-per-request rules need that, see README); null when it has none.
     */
    public static byte[] auditIdKey(byte[] value) {
        java.util.regex.Matcher m = AUDIT_ID.matcher(new String(value, java.nio.charset.StandardCharsets.UTF_8));
        return m.find() ? m.group(1).getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
    }

    /** Sends {@code values} to {@code topic}, keyed by auditID ({@link #auditIdKey}), and waits for all. */
    public void produce(String topic, List<byte[]> values, Map<String, Object> extra) throws Exception {
        // Every send is waited for: a record the broker refused must fail the test here, not show up later as
        // a member that "lost" it.
        try (KafkaProducer<byte[], byte[]> p = producer(extra)) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (byte[] v : values) {
                sent.add(p.send(new ProducerRecord<>(topic, auditIdKey(v), v)));
            }
            p.flush();
            for (var f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: target/ is scratch
        }
    }
}
