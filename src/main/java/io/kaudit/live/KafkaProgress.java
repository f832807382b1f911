package io.kaudit.live;

import io.kaudit.engine.RunStats;
import io.kaudit.rule.Priority;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * What a consumer has done, per partition and in all: records, events, alerts, malformed records,
 * the next offset to read and the lag behind the partition's end. Written by the poll thread,
 * read by {@code /metrics} and the progress line (all under the lock of the run that writes the stats).
 */
public final class KafkaProgress {
    /** One partition's counters. {@code lag} is -1 until a fetch told the partition's end. */
    private static final class Partition {
        long records;
        long events;
        long alerts;
        long malformed;
        long position = -1;
        long lag = -1;
        boolean assigned;
    }

    private final Map<String, Partition> partitions = new TreeMap<>();
    private final RunStats stats;
    /** What guards {@code stats} (the run that writes them): every method here holds it. */
    private final Object lock;
    private long records;
    private long committed;
    private long rebalances;
    private long firstRecordNanos;
    private long lastRecordNanos;

    public KafkaProgress(RunStats stats, Object lock) {
        this.stats = stats;
        this.lock = lock;
    }

    private Partition of(TopicPartition tp) {
        return partitions.computeIfAbsent(tp.topic() + "/" + tp.partition(), k -> new Partition());
    }

    /** A poll's records of one partition delivered, up to {@code next} (the offset after the last). */
    public void delivered(TopicPartition tp, long next, long count, long events, long alerts, long malformed) {
        synchronized (lock) {
            long now = System.nanoTime();
            if (firstRecordNanos == 0) {
                firstRecordNanos = now;
            }
            records += count;
            lastRecordNanos = now;
            Partition p = of(tp);
            p.records += count;
            p.events += events;
            p.alerts += alerts;
            p.malformed += malformed;
            p.position = next;
        }
    }

    /** Records came from a poll: the rate is measured from the first time this happens. */
    public void polled() {
        synchronized (lock) {
            if (firstRecordNanos == 0) {
                firstRecordNanos = System.nanoTime();
            }
        }
    }

    public void lag(TopicPartition tp, long lag) {
        synchronized (lock) {
            of(tp).lag = lag;
        }
    }

    public void assigned(TopicPartition tp, boolean yes) {
        synchronized (lock) {
            of(tp).assigned = yes;
            if (yes) {
                rebalances++;
            }
        }
    }

    public void committed(int partitionCount) {
        synchronized (lock) {
            committed += partitionCount;
        }
    }

    /** Records per second from the first record to the last delivered (0 before two records). */
    public double recordsRate() {
        synchronized (lock) {
            double s = (lastRecordNanos - firstRecordNanos) / 1e9;
            return records < 2 || s <= 0 ? 0 : records / s;
        }
    }

    /** Events per second from the first record to the last delivered. */
    public double eventsRate() {
        synchronized (lock) {
            double s = (lastRecordNanos - firstRecordNanos) / 1e9;
            return records < 2 || s <= 0 ? 0 : stats.events / s;
        }
    }

    /** Total lag over the assigned partitions whose end is known. */
    public long totalLag() {
        synchronized (lock) {
            long lag = 0;
            for (Partition p : partitions.values()) {
                if (p.assigned && p.lag > 0) {
                    lag += p.lag;
                }
            }
            return lag;
        }
    }

    /** The line printed when the consumer stops (without the "kaudit: " prefix). */
    public String summary() {
        synchronized (lock) {
            StringBuilder sb = new StringBuilder(String.format("%,d event%s in %,d record%s, %.2fs (%,.0f events/s from the"
                    + " first record), %,d alert%s", stats.events, stats.events == 1 ? "" : "s", records,
                    records == 1 ? "" : "s", stats.seconds(), eventsRate(), stats.alerts(), stats.alerts() == 1 ? "" : "s"));
            if (stats.alerts() > 0) {
                StringBuilder by = new StringBuilder();
                stats.alertsByPriority.forEach((p, n) -> by.append(by.length() == 0 ? "" : ", ").append(n).append(' ')
                        .append(p.falcoName()));
                sb.append(" (").append(by).append(')');
            }
            if (stats.malformed > 0) {
                sb.append(String.format(", %,d malformed record%s skipped (first at %s: %s)", stats.malformed,
                        stats.malformed == 1 ? "" : "s", stats.firstMalformed, stats.firstMalformedReason));
            }
            return sb.toString();
        }
    }

    /** The progress line (without the "kaudit: " prefix). */
    public String line() {
        synchronized (lock) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%,d events, %,d records (%,.0f events/s), %,d alerts", stats.events, records,
                    eventsRate(), stats.alerts()));
            if (stats.malformed > 0) {
                sb.append(String.format(", %,d malformed", stats.malformed));
            }
            long assigned = partitions.values().stream().filter(p -> p.assigned).count();
            sb.append(String.format("; lag %,d over %d partition%s", totalLag(), assigned, assigned == 1 ? "" : "s"));
            StringBuilder each = new StringBuilder();
            for (Map.Entry<String, Partition> e : partitions.entrySet()) {
                Partition p = e.getValue();
                if (p.assigned) {
                    each.append(each.length() == 0 ? "" : ", ").append(e.getKey()).append('@').append(Math.max(0, p.position));
                    if (p.lag >= 0) {
                        each.append(" lag ").append(p.lag);
                    }
                }
            }
            if (each.length() > 0) {
                sb.append(" (").append(each).append(')');
            }
            return sb.toString();
        }
    }

    /** Prometheus text exposition of the counters. */
    public String metrics() {
        synchronized (lock) {
            StringBuilder sb = new StringBuilder();
            metric(sb, "kaudit_events_total", "Audit events evaluated.", "counter", stats.events);
            metric(sb, "kaudit_records_total", "Kafka records read.", "counter", records);
            metric(sb, "kaudit_malformed_records_total", "Records that held no audit event, skipped.", "counter", stats.malformed);
            metric(sb, "kaudit_offset_commits_total", "Partition offsets committed.", "counter", committed);
            metric(sb, "kaudit_assignments_total", "Partitions assigned to this member so far.", "counter", rebalances);
            metric(sb, "kaudit_consumer_lag", "Records behind the end over the assigned partitions.", "gauge", totalLag());
            sb.append("# HELP kaudit_alerts_total Alerts raised, by priority.\n# TYPE kaudit_alerts_total counter\n");
            for (Priority p : Priority.values()) {
                sb.append("kaudit_alerts_total{priority=\"").append(p.falcoName()).append("\"} ")
                        .append(stats.alertsByPriority.getOrDefault(p, 0L)).append('\n');
            }
            String[][] per = {{"kaudit_partition_records_total", "Records read, per partition.", "counter"},
                {"kaudit_partition_events_total", "Audit events evaluated, per partition.", "counter"},
                {"kaudit_partition_alerts_total", "Alerts raised, per partition.", "counter"},
                {"kaudit_partition_malformed_total", "Malformed records skipped, per partition.", "counter"},
                {"kaudit_partition_position", "Next offset to read, per assigned partition.", "gauge"},
                {"kaudit_partition_lag", "Records behind the partition's end, per assigned partition.", "gauge"}};
            for (String[] m : per) {
                sb.append("# HELP ").append(m[0]).append(' ').append(m[1]).append("\n# TYPE ").append(m[0]).append(' ')
                        .append(m[2]).append('\n');
                for (Map.Entry<String, Partition> e : partitions.entrySet()) {
                    Partition p = e.getValue();
                    boolean gauge = m[2].equals("gauge");
                    if (gauge && (!p.assigned || (m[0].endsWith("lag") && p.lag < 0))) {
                        continue;
                    }
                    long v = switch (m[0]) {
                        case "kaudit_partition_records_total" -> p.records;
                        case "kaudit_partition_events_total" -> p.events;
                        case "kaudit_partition_alerts_total" -> p.alerts;
                        case "kaudit_partition_malformed_total" -> p.malformed;
                        case "kaudit_partition_position" -> Math.max(0, p.position);
                        default -> p.lag;
                    };
                    String key = e.getKey();
                    int slash = key.lastIndexOf('/');
                    sb.append(m[0]).append("{topic=\"").append(key, 0, slash).append("\",partition=\"")
                            .append(key.substring(slash + 1)).append("\"} ").append(v).append('\n');
                }
            }
            return sb.toString();
        }
    }

    private static void metric(StringBuilder sb, String name, String help, String type, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
                .append(type).append('\n').append(name).append(' ').append(value).append('\n');
    }
}
