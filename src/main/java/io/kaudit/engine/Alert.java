package io.kaudit.engine;

import io.kaudit.event.JsonObject;
import io.kaudit.event.Location;
import io.kaudit.rule.Priority;
import java.util.List;
import java.util.Map;

/**
 * One alert, in Falco's shape plus where its event came from.
 *
 * @param output       the Falco text line: {@code <evt.time>: <Priority> <message>}
 * @param message      the rendered rule output alone
 * @param outputFields Falco's output_fields, sorted by key (String, List of String, Long or null)
 * @param auditId      the event's auditID, or "" (for stable SARIF fingerprints)
 * @param event        the whole event, or null (for outputs that show it: the HTML report). Its strings
 *                     may still point into the input buffer: read it while the sink handles the alert
 * @param sigmaId      the Sigma rule id of a Sigma or correlation rule's alert, or ""
 * @param correlation  what a correlation rule's alert correlated, or null
 */
public record Alert(long timeNanos, String rule, Priority priority, String source, List<String> tags, String output,
                    String message, Map<String, Object> outputFields, String hostname, Location location,
                    String auditId, String ruleDescription, JsonObject event, String sigmaId,
                    CorrelationMatch correlation) {

    /** An alert of a Falco rule. */
    public Alert(long timeNanos, String rule, Priority priority, String source, List<String> tags, String output,
                 String message, Map<String, Object> outputFields, String hostname, Location location,
                 String auditId, String ruleDescription, JsonObject event) {
        this(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname, location, auditId,
                ruleDescription, event, "", null);
    }

    /**
     * What a correlation alert correlated: its group, its window (event times, ns) and where every
     * contributing event came from, in event-time order.
     */
    public record CorrelationMatch(String type, Map<String, String> groupBy, long windowStartNanos,
                                   long windowEndNanos, long count, List<Location> events) {
    }

    /** An alert without its event. */
    public Alert(long timeNanos, String rule, Priority priority, String source, List<String> tags, String output,
                 String message, Map<String, Object> outputFields, String hostname, Location location,
                 String auditId, String ruleDescription) {
        this(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname, location, auditId,
                ruleDescription, null);
    }

    /** The same alert at absolute line {@code line} (workers number lines within their chunk). */
    public Alert atLine(long line) {
        return new Alert(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname,
                location.atLine(line), auditId, ruleDescription, event, sigmaId, correlation);
    }

    /** The same alert without its event (to keep: the event may point into a buffer soon reused). */
    public Alert withoutEvent() {
        return event == null ? this : new Alert(timeNanos, rule, priority, source, tags, output, message, outputFields,
                hostname, location, auditId, ruleDescription, null, sigmaId, correlation);
    }

    /** The same alert with its event (read again, as the REPL does for a report). */
    public Alert withEvent(JsonObject whole) {
        return new Alert(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname, location,
                auditId, ruleDescription, whole, sigmaId, correlation);
    }

    /** The same alert placed elsewhere (a Kafka record's topic, partition and offset). */
    public Alert at(Location where) {
        return new Alert(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname, where,
                auditId, ruleDescription, event, sigmaId, correlation);
    }
}
