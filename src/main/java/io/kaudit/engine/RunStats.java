package io.kaudit.engine;

import io.kaudit.event.Location;
import io.kaudit.rule.Priority;
import java.util.EnumMap;
import java.util.Map;

/** What a run saw: counts, bytes, time, alerts by priority and malformed input. Written by the run that owns it, under its lock. */
public final class RunStats {
    public long events;
    public long lines;
    public long bytes;
    public long malformed;
    public Location firstMalformed;
    public String firstMalformedReason;
    /** Inputs not read to their end (a gzip cut short, a format kaudit does not read), and the first. */
    public long incomplete;
    public Location firstIncomplete;
    public String firstIncompleteReason;
    /** Of those, inputs of which nothing could be read (a format kaudit does not read), and the first. */
    public long unreadable;
    public String firstUnreadable;
    /** With a time window (--since/--until): how many events fell in it, and the span of all event times. */
    public boolean window;
    public long inWindow;
    public long earliestNanos = Long.MAX_VALUE;
    public long latestNanos = Long.MIN_VALUE;
    /** The run was stopped (SIGINT/SIGTERM) before reading all of its input: the results are partial. */
    public boolean stopped;
    public long startNanos = System.nanoTime();
    public long endNanos;
    public final Map<Priority, Long> alertsByPriority = new EnumMap<>(Priority.class);
    public final Map<String, Long> alertsByRule = new java.util.TreeMap<>();
    /** Inputs read to their end that held no audit event (not an audit log?), in input order. */
    public final java.util.List<String> emptyInputs = new java.util.ArrayList<>();
    /** Correlation groups evicted because --max-correlation-groups was reached. */
    public long correlationGroupsEvicted;

    public void countAlert(Alert a) {
        alertsByPriority.merge(a.priority(), 1L, Long::sum);
        alertsByRule.merge(a.rule(), 1L, Long::sum);
    }

    public void countMalformed(Location where, String reason) {
        if (malformed++ == 0) {
            firstMalformed = where;
            firstMalformedReason = reason;
        }
    }

    public void countIncomplete(Location where, String reason, boolean nothingRead) {
        if (nothingRead && unreadable++ == 0) {
            firstUnreadable = where.path() + ": " + reason;
        }
        if (incomplete++ == 0) {
            firstIncomplete = where;
            firstIncompleteReason = reason;
        }
    }

    public long alerts() {
        return alertsByPriority.values().stream().mapToLong(Long::longValue).sum();
    }

    public double seconds() {
        return ((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos) / 1e9;
    }

    public double mibPerSecond() {
        double s = seconds();
        return s <= 0 ? 0 : bytes / 1048576.0 / s;
    }

    private static String toTheSecond(long nanos) {
        return io.kaudit.event.Timestamps.isoUtc(nanos).substring(0, 19) + "Z";
    }

    /** The one-line summary printed on stderr after a scan (without the "kaudit: " prefix). */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        if (stopped) {
            sb.append("stopped before the end of the input (SIGINT/SIGTERM), results are partial: ");
        }
        sb.append(String.format("%,d event%s", events, events == 1 ? "" : "s"));
        if (window && events > 0) {
            sb.append(inWindow == 0 ? String.format(" (none in the time window: they span %s to %s)",
                    toTheSecond(earliestNanos), toTheSecond(latestNanos))
                    : String.format(" (%,d in the time window)", inWindow));
        }
        sb.append(String.format(" in %.2fs (%.1f MiB/s), %,d alert%s", seconds(), mibPerSecond(), alerts(),
                alerts() == 1 ? "" : "s"));
        if (alerts() > 0) {
            sb.append(" (");
            boolean first = true;
            for (Map.Entry<Priority, Long> e : alertsByPriority.entrySet()) {
                sb.append(first ? "" : ", ").append(e.getValue()).append(' ').append(e.getKey().falcoName());
                first = false;
            }
            sb.append(')');
        }
        if (malformed > 0) {
            sb.append(String.format(", %,d malformed line%s skipped (first at %s: %s)", malformed,
                    malformed == 1 ? "" : "s", firstMalformed, firstMalformedReason));
        }
        if (correlationGroupsEvicted > 0) {
            sb.append(String.format(", %,d correlation group%s evicted (--max-correlation-groups)",
                    correlationGroupsEvicted, correlationGroupsEvicted == 1 ? "" : "s"));
        }
        if (incomplete > 0) {
            sb.append(String.format(", %,d input%s not read to the end (first at %s: %s)", incomplete,
                    incomplete == 1 ? "" : "s", firstIncomplete, firstIncompleteReason));
        }
        return sb.toString();
    }

    /** Events by audit level and by stage, and what they kept from the rules ("" when nothing); null when not counted. */
    public Map<String, Long> levels;
    public Map<String, Long> stages;
    public String visibility;
}
