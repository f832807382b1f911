package io.kaudit.live;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The Kafka client properties of {@code consume}: kaudit's defaults, then the user's file
 * ({@code --consumer-config}: SASL, TLS, client.rack, tuning), then what kaudit must decide itself
 * (bootstrap, group, manual commits, transactions). Keys prefixed {@code consumer.} or
 * {@code producer.} go to that client only; the others to both (a client ignores keys it does not know).
 */
public final class ClientConfig {
    private final Properties user;
    private final String bootstrap;
    private final String group;
    private final String clientId;

    private ClientConfig(Properties user, String bootstrap, String group) {
        this.user = user;
        this.bootstrap = bootstrap;
        this.group = group;
        this.clientId = user.getProperty("client.id", "kaudit-" + instance());
    }

    /** Reads {@code file} (may be null) as Java properties. */
    public static ClientConfig load(Path file, String bootstrap, String group) throws IOException {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            Object commit = p.get("enable.auto.commit");
            if (commit != null && Boolean.parseBoolean(commit.toString().trim())) {
                throw new IOException(file + ": enable.auto.commit=true is not allowed: kaudit commits offsets itself,"
                        + " only after the alerts of the records before them were delivered");
            }
        }
        return new ClientConfig(p, bootstrap, group);
    }

    /**
     * The consumer's properties; {@code exactlyOnce} forces isolation.level=read_committed (else only
     * the default). {@code classic}: the classic group protocol, for clusters without the consumer
     * protocol (KIP-848, Kafka 4.0+), which kaudit prefers: the broker moves a partition only once its
     * owner let it go, so a rebalance never has two members read it.
     */
    public Properties consumer(boolean exactlyOnce, boolean classic) {
        Properties c = new Properties();
        c.put("auto.offset.reset", "earliest");   // a new group reads what the topic holds: missing an attack is worse
        c.put("isolation.level", "read_committed");
        c.put("max.poll.records", "5000");
        c.put("max.partition.fetch.bytes", Integer.toString(4 << 20));
        c.put("receive.buffer.bytes", "-1");   // the OS's autotuned buffer: a fetch of MiBs in one read
        c.put("group.protocol", classic ? "classic" : "consumer");
        apply(c, "consumer.");
        if (isClassic(c)) {
            // only moved partitions are revoked on a rebalance: the others keep being read
            c.putIfAbsent("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        } else {
            c.remove("session.timeout.ms");   // the broker decides these under the consumer protocol
            c.remove("heartbeat.interval.ms");
            c.remove("partition.assignment.strategy");
        }
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", group);
        c.put("client.id", clientId);
        c.put("enable.auto.commit", "false");
        if (exactlyOnce) {
            c.put("isolation.level", "read_committed");
        }
        return c;
    }

    static boolean isClassic(Properties consumer) {
        return !"consumer".equalsIgnoreCase(consumer.getProperty("group.protocol", "classic").trim());
    }

    /** Whether the user's file chose the group protocol (else kaudit falls back to classic where it must). */
    public boolean protocolChosen() {
        return user.containsKey("group.protocol") || user.containsKey("consumer.group.protocol");
    }

    /** The producer's properties (alerts and dead-letter topics); {@code transactionalId} null for none. */
    public Properties producer(String transactionalId) {
        Properties c = new Properties();
        c.put("acks", "all");
        c.put("enable.idempotence", "true");
        c.put("linger.ms", "5");
        c.put("compression.type", "lz4");
        c.put("transaction.timeout.ms", "10000");   // a crashed member's open transaction holds its partitions this long
        apply(c, "producer.");
        c.put("bootstrap.servers", bootstrap);
        c.put("client.id", clientId + "-producer");
        if (transactionalId != null) {
            c.put("transactional.id", transactionalId);
        } else {
            c.remove("transactional.id");
        }
        return c;
    }

    /**
     * A transactional id for this member: the file's {@code transactional.id} if it names one (stable
     * across restarts, so a restarted member aborts its predecessor's open transaction at once),
     * else one of its own. Members are fenced by the group's generation (KIP-447), not by this id.
     */
    public String transactionalId() {
        String id = user.getProperty("transactional.id", user.getProperty("producer.transactional.id"));
        return id != null ? id.trim() : "kaudit-" + group + "-" + instance();
    }

    private static final java.util.concurrent.atomic.AtomicInteger INSTANCES = new java.util.concurrent.atomic.AtomicInteger();
    private final int instance = INSTANCES.incrementAndGet();

    /** This member: host, process and (for members run in one JVM, as tests do) its number. */
    private String instance() {
        return host() + "-" + ProcessHandle.current().pid() + (instance == 1 ? "" : "-" + instance);
    }

    /** Consumer settings that are not plain text, for the start-up line. */
    public String security() {
        return user.getProperty("security.protocol", user.getProperty("consumer.security.protocol", "PLAINTEXT")).trim();
    }

    private void apply(Properties into, String prefix) {
        for (Map.Entry<Object, Object> e : user.entrySet()) {
            String k = e.getKey().toString();
            String v = e.getValue().toString().trim();
            if (k.startsWith("consumer.") || k.startsWith("producer.")) {
                if (k.startsWith(prefix)) {
                    into.put(k.substring(prefix.length()), v);
                }
            } else {
                into.put(k, v);
            }
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
