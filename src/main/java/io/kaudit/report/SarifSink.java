package io.kaudit.report;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.engine.Alert;
import io.kaudit.engine.RunStats;
import io.kaudit.event.JsonReader;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code -f sarif}: SARIF 2.1.0 for GitHub code scanning. One rule descriptor per rule (help text,
 * tags, {@code security-severity} from priority), one result per alert at the event's file and line,
 * and a {@code partialFingerprints} entry from rule id and auditID so runs deduplicate. Streamed:
 * descriptors first, results as they come.
 */
public final class SarifSink implements Sink {
    private final JsonGenerator g;
    private final String version;
    private final Map<String, Integer> ruleIndex = new HashMap<>();
    /** Rule name to SARIF rule id: the Sigma id for Sigma and correlation rules, else the name. */
    private final Map<String, String> ruleIds = new HashMap<>();

    public SarifSink(Writer out, String version) throws IOException {
        this.g = JsonReader.FACTORY.createGenerator(out);
        this.g.useDefaultPrettyPrinter();
        this.version = version;
    }

    @Override
    public void begin(List<Rule> rules) throws IOException {
        g.writeStartObject();
        g.writeStringField("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        g.writeStringField("version", "2.1.0");
        g.writeArrayFieldStart("runs");
        g.writeStartObject();
        g.writeObjectFieldStart("tool");
        g.writeObjectFieldStart("driver");
        g.writeStringField("name", "kaudit");
        g.writeStringField("version", version);
        g.writeArrayFieldStart("rules");
        for (Rule r : rules) {
            if (ruleIndex.containsKey(r.name())) {
                continue;
            }
            ruleIndex.put(r.name(), ruleIndex.size());
            String id = r.id() == null || r.id().isEmpty() ? r.name() : r.id();
            ruleIds.put(r.name(), id);
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("name", ruleName(r.name()));
            g.writeObjectFieldStart("shortDescription");
            g.writeStringField("text", r.name());
            g.writeEndObject();
            g.writeObjectFieldStart("fullDescription");
            g.writeStringField("text", r.description().isEmpty() ? r.name() : r.description());
            g.writeEndObject();
            g.writeObjectFieldStart("help");
            g.writeStringField("text", r.description() + "\n\nCondition: " + r.conditionText().strip()
                    + "\nPriority: " + r.priority().falcoName() + "\nDefined in " + r.file() + ":" + r.line());
            g.writeEndObject();
            g.writeObjectFieldStart("defaultConfiguration");
            g.writeStringField("level", level(r.priority()));
            g.writeEndObject();
            g.writeObjectFieldStart("properties");
            g.writeArrayFieldStart("tags");
            g.writeString("security");
            for (String t : r.tags()) {
                g.writeString(t);
            }
            g.writeEndArray();
            g.writeStringField("security-severity", severity(r.priority()));
            g.writeStringField("precision", "high");
            g.writeStringField("problem.severity", level(r.priority()).equals("note") ? "recommendation"
                    : level(r.priority()));
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
        g.writeArrayFieldStart("results");
    }

    @Override
    public void alert(Alert a) {
        try {
            g.writeStartObject();
            g.writeStringField("ruleId", ruleIds.getOrDefault(a.rule(), a.rule()));
            Integer idx = ruleIndex.get(a.rule());
            if (idx != null) {
                g.writeNumberField("ruleIndex", idx);
            }
            g.writeStringField("level", level(a.priority()));
            g.writeObjectFieldStart("message");
            g.writeStringField("text", a.message());
            g.writeEndObject();
            g.writeArrayFieldStart("locations");
            g.writeStartObject();
            g.writeObjectFieldStart("physicalLocation");
            g.writeObjectFieldStart("artifactLocation");
            g.writeStringField("uri", uri(a.location().source()));
            g.writeEndObject();
            g.writeObjectFieldStart("region");
            g.writeNumberField("startLine", Math.max(1, a.location().line()));
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
            g.writeObjectFieldStart("partialFingerprints");
            g.writeStringField("kauditAlert/v1", sha256(a.rule() + "\u0000" + a.auditId() + "\u0000"
                    + (a.auditId().isEmpty() ? a.location().toString() : "")));
            g.writeEndObject();
            g.writeObjectFieldStart("properties");
            g.writeStringField("time", io.kaudit.event.Timestamps.isoUtc(a.timeNanos()));
            g.writeStringField("auditID", a.auditId());
            g.writeStringField("priority", a.priority().falcoName());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void finish(RunStats stats) throws IOException {
        g.writeEndArray();
        if (stats.stopped) {   // SIGINT/SIGTERM: the results are those found so far
            g.writeArrayFieldStart("invocations");
            g.writeStartObject();
            g.writeBooleanField("executionSuccessful", false);
            g.writeArrayFieldStart("toolExecutionNotifications");
            g.writeStartObject();
            g.writeObjectFieldStart("message");
            g.writeStringField("text", "stopped before the end of the input; the results are partial");
            g.writeEndObject();
            g.writeStringField("level", "error");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
        }
        g.writeObjectFieldStart("properties");
        g.writeNumberField("events", stats.events);
        g.writeNumberField("malformedLines", stats.malformed);
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
    }

    /** GitHub buckets: >= 9 critical, >= 7 high, >= 4 medium, else low. */
    static String severity(Priority p) {
        switch (p) {
            case EMERGENCY:
                return "10.0";
            case ALERT:
                return "9.5";
            case CRITICAL:
                return "9.0";
            case ERROR:
                return "7.5";
            case WARNING:
                return "5.5";
            case NOTICE:
                return "4.0";
            case INFORMATIONAL:
                return "2.0";
            default:
                return "0.5";
        }
    }

    static String level(Priority p) {
        if (p.atLeast(Priority.ERROR)) {
            return "error";
        }
        return p == Priority.WARNING ? "warning" : "note";
    }

    private static String ruleName(String name) {
        StringBuilder sb = new StringBuilder();
        boolean upper = true;
        for (char c : name.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            } else {
                upper = true;
            }
        }
        return sb.toString();
    }

    /** Relative paths stay relative (to the repository root, for code scanning); others become file URIs. */
    static String uri(String path) {
        String p = path.replace('\\', '/');
        if (p.startsWith("/")) {
            return java.nio.file.Path.of(path).toUri().toString();
        }
        if (p.startsWith("./")) {
            p = p.substring(2);
        }
        return p.replace(" ", "%20");
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
