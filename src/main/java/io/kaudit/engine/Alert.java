package io.kaudit.engine;

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
 */
public record Alert(long timeNanos, String rule, Priority priority, String source, List<String> tags, String output,
                    String message, Map<String, Object> outputFields, String hostname, Location location,
                    String auditId, String ruleDescription) {

    /** The same alert at absolute line {@code line} (workers number lines within their chunk). */
    public Alert atLine(long line) {
        return new Alert(timeNanos, rule, priority, source, tags, output, message, outputFields, hostname,
                new Location(location.path(), line, location.index()), auditId, ruleDescription);
    }
}
