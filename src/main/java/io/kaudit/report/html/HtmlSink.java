package io.kaudit.report.html;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.engine.Alert;
import io.kaudit.engine.AuditLevels;
import io.kaudit.engine.EventObserver;
import io.kaudit.engine.RunStats;
import io.kaudit.event.JsonObject;
import io.kaudit.event.Projection;
import io.kaudit.event.Timestamps;
import io.kaudit.report.JsonSink;
import io.kaudit.report.Sink;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * {@code -f html}: one self-contained page (script, style and data inlined; no fetch) with the
 * overview, timeline, rules, actors and alerts. Aggregates over every event are counted while the
 * run streams ({@link EventTally}, one per worker); only alerts keep their event, up to
 * {@code --html-max-alerts}, and the page says how many it left out. Written at {@code finish}.
 */
public final class HtmlSink implements Sink {
    /** Default of {@code --html-max-alerts}. */
    public static final int DEFAULT_MAX_ALERTS = 20_000;
    /** Actors listed in the page, most alerting and then most active first. */
    static final int MAX_ACTORS_SHOWN = 500;

    /**
     * What the report is about.
     *
     * @param inputs    the inputs' names, as alerts name them
     * @param maxAlerts alerts shown at most (the counts stay complete)
     * @param version   kaudit's version, for the footer
     */
    public record Options(List<String> inputs, int maxAlerts, String version) {
    }

    private final Writer out;
    private final Options options;
    private final Queue<EventTally> tallies = new ConcurrentLinkedQueue<>();
    private final AlertKeeper kept;
    private final Map<String, RuleTotals> rules = new LinkedHashMap<>();
    private final Map<Priority, TimeHistogram> alertTimes = new EnumMap<>(Priority.class);
    private final Map<String, long[]> alertsByUser = new HashMap<>();
    private final Map<String, long[]> alertsByIp = new HashMap<>();
    private List<Rule> activeRules = List.of();
    private long seq;
    /** The event of the last alert kept, and its number: one copy of it serves all its alerts. */
    private JsonObject lastEvent;
    private long eventId;
    private EventTally direct;

    /** One rule's alerts: how many, first and last (ms). */
    private static final class RuleTotals {
        final String name;
        final Priority priority;
        final List<String> tags;
        final String description;
        long count;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;

        RuleTotals(String name, Priority priority, List<String> tags, String description) {
            this.name = name;
            this.priority = priority;
            this.tags = tags;
            this.description = description;
        }
    }

    public HtmlSink(Writer out, Options options) {
        this.out = out;
        this.options = options;
        this.kept = new AlertKeeper(options.maxAlerts());
    }

    /** The rules' projection plus the fields the report's aggregates read. */
    public static Projection projection(Projection rules) {
        Projection p = new Projection().merge(rules);
        EventTally.PATHS.forEach(p::add);
        AuditLevels.PATHS.forEach(p::add);
        return p;
    }

    @Override
    public void begin(List<Rule> rules) {
        activeRules = rules;
        for (Rule r : rules) {
            this.rules.putIfAbsent(r.name(), new RuleTotals(r.name(), r.priority(), r.tags(), r.description()));
        }
    }

    @Override
    public EventObserver newObserver() {
        EventTally t = new EventTally();
        tallies.add(t);
        return t;
    }

    /**
     * Counts one event from its parts, for a caller that has them without the event (the REPL's
     * columns). Single-threaded; {@code level} and {@code stage} may be null.
     */
    public void event(long nanos, String user, String ip, String verb, String resource, String level, String stage) {
        if (direct == null) {
            direct = newObserver() instanceof EventTally t ? t : null;
        }
        if (level != null) {   // the REPL keeps no level: its report then has no coverage line
            direct.levels.count(level, stage);
        }
        direct.event(nanos, user, ip, verb, resource);
    }

    @Override
    public void alert(Alert a) {
        long millis = Math.floorDiv(a.timeNanos(), 1_000_000L);
        RuleTotals r = rules.computeIfAbsent(a.rule(), k -> new RuleTotals(a.rule(), a.priority(), a.tags(),
                a.ruleDescription()));
        r.count++;
        r.first = Math.min(r.first, millis);
        r.last = Math.max(r.last, millis);
        alertTimes.computeIfAbsent(a.priority(), k -> new TimeHistogram()).add(millis);
        JsonObject event = a.event();
        String user = event == null ? null : EventTally.user(event);
        String ip = event == null ? null : EventTally.sourceIp(event);
        countAlert(alertsByUser, user);
        countAlert(alertsByIp, ip);
        long n = seq++;
        if (kept.wants(a.priority())) {
            if (event != lastEvent) {   // alerts of one event (all-match) come together and share it
                lastEvent = event;
                eventId++;
            }
            long eid = event == null ? -1 : eventId;
            kept.add(a.priority(), n, pageJson(a, millis, user, ip, eid), eid, () -> eventJson(event));
        }
    }

    private static void countAlert(Map<String, long[]> m, String key) {
        if (key != null && (m.containsKey(key) || m.size() < EventTally.MAX_ACTORS)) {
            m.computeIfAbsent(key, k -> new long[1])[0]++;
        }
    }

    /** The alert as the page reads it (the live UI's alerts too). */
    public static String pageJson(Alert a) {
        JsonObject event = a.event();
        return pageJson(a, Math.floorDiv(a.timeNanos(), 1_000_000L), event == null ? null : EventTally.user(event),
                event == null ? null : EventTally.sourceIp(event), -1);
    }

    private static String eventJson(JsonObject event) {
        StringWriter w = new StringWriter(1024);
        try {
            JsonGenerator g = ScriptJson.generator(w);
            ScriptJson.writeEvent(g, event);
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * The alert as the page reads it: Falco's fields, where it came from, its actors and its event
     * (inline, or with {@code eid >= 0} the number of the event in the page's events).
     */
    static String pageJson(Alert a, long millis, String user, String ip, long eid) {
        StringWriter w = new StringWriter(1024);
        try {
            JsonGenerator g = ScriptJson.generator(w);
            g.writeStartObject();
            g.writeNumberField("ts", millis);
            boolean inline = eid < 0;   // in the report, what the page can read from the rule or the event is left out
            if (inline) {
                g.writeStringField("time", Timestamps.isoUtc(a.timeNanos()));
            }
            g.writeStringField("rule", a.rule());
            g.writeStringField("priority", a.priority().falcoName());
            if (inline) {
                g.writeArrayFieldStart("tags");
                for (String t : a.tags()) {
                    g.writeString(t);
                }
                g.writeEndArray();
            }
            g.writeStringField("output", a.message());
            g.writeObjectFieldStart("fields");
            for (Map.Entry<String, Object> e : a.outputFields().entrySet()) {
                Object v = e.getValue();
                if (v == null) {
                    g.writeNullField(e.getKey());
                } else if (v instanceof List<?> list) {
                    g.writeArrayFieldStart(e.getKey());
                    for (Object o : list) {
                        g.writeString(String.valueOf(o));
                    }
                    g.writeEndArray();
                } else {
                    g.writeStringField(e.getKey(), v.toString());
                }
            }
            g.writeEndObject();
            g.writeStringField("path", a.location().path());
            g.writeNumberField("line", a.location().line());
            if (a.location().index() >= 0) {
                g.writeNumberField("index", a.location().index());
            }
            JsonObject event = a.event();
            if (event != null && !inline) {
                g.writeNumberField("eid", eid);
            } else if (event != null) {
                optional(g, "user", user);
                optional(g, "ip", ip);
                optional(g, "namespace", EventTally.namespace(event));
                optional(g, "verb", event.string("verb"));
                optional(g, "resource", EventTally.resource(event));
                g.writeFieldName("event");
                ScriptJson.writeEvent(g, event);
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void optional(JsonGenerator g, String key, String value) throws IOException {
        if (value != null) {
            g.writeStringField(key, value);
        }
    }

    @Override
    public void finish(RunStats stats) throws IOException {
        EventTally all = new EventTally();
        for (EventTally t = tallies.poll(); t != null; t = tallies.poll()) {
            all.merge(t);
        }
        List<ActorStats> actors = actors(all);
        Grid grid = Grid.of(all, alertTimes.values(), actors);
        String inputs = options.inputs().size() == 1 ? options.inputs().get(0)
                : options.inputs().size() + " inputs";
        Map<String, String> text = Map.of(
                "csp", HtmlPage.get().csp(false),
                "title", "kaudit report: " + inputs,
                "heading", "forensic report",
                "subtitle", inputs,
                "footer", "kaudit " + options.version() + " \u00b7 generated " + Timestamps.isoUtc(System.currentTimeMillis() * 1_000_000L).substring(0, 19) + "Z \u00b7 self-contained: this page makes no network request");
        Map<String, HtmlPage.JsonValueWriter> json = Map.of(
                "data", g -> data(g, stats, all, actors, grid),
                "alerts", g -> {
                    g.writeStartArray();
                    for (AlertKeeper.Kept k : kept.inOrder()) {
                        g.writeRawValue(k.json());
                    }
                    g.writeEndArray();
                },
                "events", g -> {
                    g.writeStartObject();
                    for (Map.Entry<Long, String> e : kept.events().entrySet()) {
                        g.writeFieldName(Long.toString(e.getKey()));
                        g.writeRawValue(e.getValue());
                    }
                    g.writeEndObject();
                });
        HtmlPage.get().write(out, text, json);
    }

    /** The actors to list: alerting ones first, then the most active; their alert counts filled in. */
    private List<ActorStats> actors(EventTally all) {
        List<ActorStats> list = new ArrayList<>(all.users.size() + all.ips.size());
        all.users.values().forEach(a -> {
            long[] n = alertsByUser.get(a.name);
            a.alerts = n == null ? 0 : n[0];
            list.add(a);
        });
        all.ips.values().forEach(a -> {
            long[] n = alertsByIp.get(a.name);
            a.alerts = n == null ? 0 : n[0];
            list.add(a);
        });
        list.sort(Comparator.comparingLong((ActorStats a) -> -a.alerts).thenComparingLong(a -> -a.events)
                .thenComparing(a -> a.name));
        return list;
    }

    /** The timeline's buckets: one width (a power of two ms) and start that every histogram fits on. */
    record Grid(long start, int shift, int n) {
        static Grid of(EventTally all, Iterable<TimeHistogram> alerts, List<ActorStats> actors) {
            List<TimeHistogram> hs = new ArrayList<>();
            hs.add(all.events);
            alerts.forEach(hs::add);
            for (ActorStats a : actors) {
                hs.add(a.activity);
            }
            int shift = 0;
            for (TimeHistogram h : hs) {
                if (!h.isEmpty()) {
                    shift = Math.max(shift, h.shift());
                }
            }
            while (true) {
                long lo = Long.MAX_VALUE;
                long hi = Long.MIN_VALUE;
                for (TimeHistogram h : hs) {
                    if (!h.isEmpty()) {
                        lo = Math.min(lo, h.firstMillis(shift));
                        hi = Math.max(hi, h.lastMillis(shift));
                    }
                }
                if (lo == Long.MAX_VALUE) {
                    return new Grid(0, 0, 0);
                }
                long n = ((hi - lo) >> shift) + 1;
                if (n <= TimeHistogram.SLOTS) {
                    return new Grid(lo, shift, (int) n);
                }
                shift++;
            }
        }

        void write(JsonGenerator g, String field, TimeHistogram h) throws IOException {
            g.writeArrayFieldStart(field);
            for (long c : h.on(start, shift, n)) {
                g.writeNumber(c);
            }
            g.writeEndArray();
        }
    }

    private void data(JsonGenerator g, RunStats stats, EventTally all, List<ActorStats> actors, Grid grid)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("mode", "report");
        g.writeArrayFieldStart("inputs");
        for (String i : options.inputs()) {
            g.writeString(i);
        }
        g.writeEndArray();
        g.writeNumberField("rules_loaded", activeRules.size());
        g.writeFieldName("stats");
        JsonSink.writeStats(g, stats);
        if (stats.earliestNanos <= stats.latestNanos) {
            g.writeObjectFieldStart("span");
            g.writeNumberField("first", Math.floorDiv(stats.earliestNanos, 1_000_000L));
            g.writeNumberField("last", Math.floorDiv(stats.latestNanos, 1_000_000L));
            g.writeEndObject();
        }
        g.writeObjectFieldStart("coverage");
        counts(g, "levels", all.levels.levels());
        counts(g, "stages", all.levels.stages());
        g.writeNumberField("body_rules", AuditLevels.bodyRules(activeRules).size());
        // scan's sentence (bodies and stages, as on stderr); the REPL's report has only its own counts
        g.writeStringField("sentence", stats.visibility != null ? stats.visibility : all.levels.sentence(activeRules));
        g.writeEndObject();
        g.writeArrayFieldStart("priorities");
        for (Priority p : Priority.values()) {
            g.writeString(p.falcoName());
        }
        g.writeEndArray();
        g.writeObjectFieldStart("timeline");
        g.writeNumberField("start", grid.start());
        g.writeNumberField("width", 1L << grid.shift());
        g.writeNumberField("n", grid.n());
        grid.write(g, "events", all.events);
        g.writeObjectFieldStart("alerts");
        for (Map.Entry<Priority, TimeHistogram> e : alertTimes.entrySet()) {
            grid.write(g, e.getKey().falcoName(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeArrayFieldStart("rules");
        for (RuleTotals r : rules.values()) {
            g.writeStartObject();
            g.writeStringField("name", r.name);
            g.writeStringField("priority", r.priority.falcoName());
            g.writeArrayFieldStart("tags");
            for (String t : r.tags) {
                g.writeString(t);
            }
            g.writeEndArray();
            g.writeStringField("description", r.description == null ? "" : r.description.strip());
            g.writeNumberField("count", r.count);
            if (r.count > 0) {
                g.writeNumberField("first", r.first);
                g.writeNumberField("last", r.last);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("actors");
        for (ActorStats a : actors.subList(0, Math.min(MAX_ACTORS_SHOWN, actors.size()))) {
            g.writeStartObject();
            g.writeStringField("kind", a.kind);
            g.writeStringField("name", a.name);
            g.writeNumberField("events", a.events);
            g.writeNumberField("alerts", a.alerts);
            g.writeNumberField("first", a.firstMillis);
            g.writeNumberField("last", a.lastMillis);
            top(g, "verbs", a.verbs);
            top(g, "resources", a.resources);
            grid.write(g, "spark", a.activity);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("actor_counts");
        g.writeNumberField("listed", Math.min(MAX_ACTORS_SHOWN, actors.size()));
        g.writeNumberField("total", actors.size());
        g.writeNumberField("events_of_actors_not_kept", all.usersLeftOut + all.ipsLeftOut);
        g.writeEndObject();
        g.writeNumberField("alerts_total", seq);
        g.writeNumberField("alerts_kept", kept.size());
        g.writeNumberField("alerts_left_out", kept.leftOut());
        g.writeNumberField("max_alerts", options.maxAlerts());
        g.writeEndObject();
    }

    private static void counts(JsonGenerator g, String field, Map<String, Long> m) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Long> e : m.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /** {@code [[key, count], ...]}, most first. */
    private static void top(JsonGenerator g, String field, Map<String, long[]> m) throws IOException {
        List<Map.Entry<String, long[]>> list = new ArrayList<>(m.entrySet());
        list.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0]).thenComparing(Map.Entry::getKey));
        g.writeArrayFieldStart(field);
        for (Map.Entry<String, long[]> e : list) {
            g.writeStartArray();
            g.writeString(e.getKey());
            g.writeNumber(e.getValue()[0]);
            g.writeEndArray();
        }
        g.writeEndArray();
    }
}
