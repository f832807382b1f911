package io.kaudit.event;

/**
 * One audit event as the rules see it: the (possibly projected) event object, its timestamp in
 * nanoseconds since the epoch, and where it came from.
 *
 * @param root      the event object, holding only the keys the loaded rules can read
 * @param timeNanos stageTimestamp (or the best timestamp the event has) in ns since the epoch
 * @param location  file, line and item index
 * @param ordinal   position of the event among those decoded from its line (0-based)
 * @param cache     field values already extracted from this event
 */
public record AuditEvent(JsonObject root, long timeNanos, Location location, int ordinal, FieldCache cache) {

    public AuditEvent(JsonObject root, long timeNanos, Location location, int ordinal) {
        this(root, timeNanos, location, ordinal, new FieldCache());
    }
}
