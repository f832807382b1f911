package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Location;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.Hostname;
import io.kaudit.rule.sigma.Correlation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The correlation state of one run. Every alert of the run passes through {@link #accept} in input
 * order; the alerts of rules that only feed correlations are dropped, the others pass on at once.
 * The events correlations count wait in a buffer ordered by event time until the newest event
 * time seen is {@code slack} past them (or, beyond {@link #MAX_PENDING} of them, the oldest go
 * early), so events out of order by less than the slack count as if in order; then each
 * correlation updates the state of its group, measured in constant time per event.
 *
 * <p>Windows slide on event time: a group keeps the events of the last {@code timespan} (measured
 * back from its newest event). A condition that only bounds from below ({@code gt}, {@code gte}, and
 * temporal types) fires as soon as it holds; the group then starts afresh. Other conditions
 * ({@code lt}, {@code lte}, {@code eq}, {@code neq}) are judged on whole windows: a window opens at
 * a group's first event and closes {@code timespan} later (or at the end of the input), and fires if
 * its count satisfies the condition. A group whose newest event is older than the timespan is
 * dropped; beyond {@code maxGroups} groups in all, the least recently updated is evicted (counted).
 * Single-threaded, deterministic: the same input gives the same alerts whatever the number of threads.
 */
public final class Correlator {
    private final Engine engine;
    private final long slack;
    private final int maxGroups;
    private final List<Correlation> correlations;
    /** Per rule name, the correlations (indexes) that count it. */
    private final Map<String, List<Integer>> byRule = new HashMap<>();
    /** Events waiting within the slack at most (~250 bytes each). */
    static final int MAX_PENDING = 65_536;
    private final PriorityQueue<Hit> pending = new PriorityQueue<>((a, b) -> a.time != b.time
            ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    /** Per correlation, its groups in update order. */
    private final List<LinkedHashMap<List<String>, Group>> groups = new ArrayList<>();
    /** Per correlation: whether its groups tally values (value_count) or rules, and {@link Group#boundedByDistinct}. */
    private final boolean[] countsValues;
    private final boolean[] boundedByDistinct;
    private long seq;
    private long newest = Long.MIN_VALUE;
    private long total;
    private long evicted;

    /** One event a correlation counts: its rule, time, place, and per correlation its group and field value. */
    private record Hit(String rule, long time, long seq, Location where, int[] corr, List<String>[] keys,
                       String[] values) {
    }

    private record Entry(long time, long seq, Location where, String rule, String value) {
    }

    /**
     * One group's window: its events in time order, and how many of them carry each counted value
     * (value_count) or rule (temporal types), kept as events come and go so that a window of n
     * events is measured in O(1), not O(n), per event.
     */
    private static final class Group {
        final ArrayDeque<Entry> events = new ArrayDeque<>();
        private final Map<String, Integer> tally = new HashMap<>();
        private final boolean byValue;
        /** temporal_ordered over distinct rules: it matches at most {@link #distinct} of them. */
        final boolean boundedByDistinct;
        long last;

        Group(boolean byValue, boolean boundedByDistinct) {
            this.byValue = byValue;
            this.boundedByDistinct = boundedByDistinct;
        }

        /** Adds in time order (an event later than the slack allowed still counts, in its place). */
        void add(Entry e) {
            tally.merge(byValue ? e.value() : e.rule(), 1, Integer::sum);
            if (events.isEmpty() || events.peekLast().time() <= e.time()) {
                events.addLast(e);
                return;
            }
            ArrayDeque<Entry> after = new ArrayDeque<>();
            while (!events.isEmpty() && events.peekLast().time() > e.time()) {
                after.addFirst(events.pollLast());
            }
            events.addLast(e);
            events.addAll(after);
        }

        /** Drops the events more than {@code span} before {@code time}. */
        void slide(long time, long span) {
            while (!events.isEmpty() && time - events.peekFirst().time() > span) {
                Entry e = events.pollFirst();
                tally.computeIfPresent(byValue ? e.value() : e.rule(), (k, n) -> n == 1 ? null : n - 1);
            }
        }

        void clear() {
            events.clear();
            tally.clear();
        }

        /** Distinct values (value_count) or rules (temporal types) in the window. */
        int distinct() {
            return tally.size();
        }
    }

    Correlator(Engine engine, long slackNanos, int maxGroups) {
        this.engine = engine;
        this.slack = Math.max(0, slackNanos);
        this.maxGroups = Math.max(1, maxGroups);
        this.correlations = engine.correlations();
        for (int i = 0; i < correlations.size(); i++) {
            for (String r : new HashSet<>(correlations.get(i).rules())) {
                byRule.computeIfAbsent(r, k -> new ArrayList<>()).add(i);
            }
            groups.add(new LinkedHashMap<>(16, 0.75f, true));
        }
        countsValues = new boolean[correlations.size()];
        boundedByDistinct = new boolean[correlations.size()];
        for (int i = 0; i < correlations.size(); i++) {
            Correlation c = correlations.get(i);
            countsValues[i] = c.type().equals("value_count");
            boundedByDistinct[i] = c.type().equals("temporal_ordered") && Set.copyOf(c.rules()).size() == c.rules().size();
        }
    }

    /** A new group of correlation {@code i}, shaped by what its type counts (worked out once, at load). */
    private Group newGroup(int i) {
        return new Group(countsValues[i], boundedByDistinct[i]);
    }

    /** Groups evicted by the cap so far. */
    public long evicted() {
        return evicted;
    }

    /**
     * Passes {@code a} on to {@code out} unless its rule only feeds correlations, or it is a later
     * alert of a once-per-request rule on a request that already alerted; counts it for correlations.
     * Every front door hands its alerts here in input order, so this is the one place both apply.
     */
    public synchronized void accept(Alert a, Consumer<Alert> out) {
        if (!engine.firstOfRequest(a)) {
            return;
        }
        if (correlations.isEmpty()) {
            out.accept(a);
            return;
        }
        if (!engine.quiet(a.rule())) {
            out.accept(a);
        }
        List<Integer> which = byRule.get(a.rule());
        if (which == null) {
            return;
        }
        offer(hit(a, which, eventOf(a)));
        release(newest - slack, out);
        // the buffer is bounded by time; a log dense enough to fill it beyond this many events (every
        // request of a busy minute feeding a correlation) has its oldest counted early instead
        while (pending.size() > MAX_PENDING) {
            release(pending.peek().time, out);
        }
    }

    /** End of input: every buffered event is counted and every open window judged. */
    public synchronized void flush(Consumer<Alert> out) {
        release(Long.MAX_VALUE, out);
        for (int i = 0; i < correlations.size(); i++) {
            Correlation c = correlations.get(i);
            if (!c.monotone()) {
                for (Map.Entry<List<String>, Group> g : groups.get(i).entrySet()) {
                    close(i, c, g.getKey(), g.getValue(), out);
                }
            }
            total -= groups.get(i).size();
            groups.get(i).clear();
        }
    }

    /** Adds what this correlator counted to {@code stats}. */
    public synchronized void addTo(RunStats stats) {
        stats.correlationGroupsEvicted += evicted;
    }

    /** Events counted so far: the state changed when this did. */
    public synchronized long hits() {
        return seq;
    }

    /** Groups held now, over all correlations (what saving the state costs). */
    public synchronized long groups() {
        return total;
    }

    /**
     * The state, to go on from after a restart ({@link #restore}): the events waiting within the
     * slack and every group's window, by correlation name (a rule set changed in between keeps what
     * still fits). Locations, times and values only: no event is kept.
     */
    public synchronized JsonObject save() {
        JsonObject o = new JsonObject();
        o.put("version", number(1));
        o.put("seq", number(seq));
        o.put("newest", number(newest));
        List<JsonValue> hits = new ArrayList<>();
        for (Hit h : pending) {
            JsonObject j = new JsonObject();
            j.put("rule", new JsonString(h.rule()));
            j.put("time", number(h.time()));
            j.put("seq", number(h.seq()));
            j.put("where", location(h.where()));
            List<JsonValue> per = new ArrayList<>();
            for (int k = 0; k < h.corr().length; k++) {
                JsonObject c = new JsonObject();
                c.put("correlation", new JsonString(correlations.get(h.corr()[k]).rule().name()));
                c.put("key", strings(h.keys()[k]));
                c.put("value", string(h.values()[k]));
                per.add(c);
            }
            j.put("counts", new JsonArray(per));
            hits.add(j);
        }
        o.put("pending", new JsonArray(hits));
        JsonObject all = new JsonObject();
        for (int i = 0; i < correlations.size(); i++) {
            List<JsonValue> gs = new ArrayList<>();
            for (Map.Entry<List<String>, Group> g : groups.get(i).entrySet()) {   // in update order: eviction order survives
                JsonObject j = new JsonObject();
                j.put("key", strings(g.getKey()));
                j.put("last", number(g.getValue().last));
                List<JsonValue> events = new ArrayList<>();
                for (Entry e : g.getValue().events) {
                    JsonObject x = new JsonObject();
                    x.put("time", number(e.time()));
                    x.put("seq", number(e.seq()));
                    x.put("where", location(e.where()));
                    x.put("rule", new JsonString(e.rule()));
                    x.put("value", string(e.value()));
                    events.add(x);
                }
                j.put("events", new JsonArray(events));
                gs.add(j);
            }
            all.put(correlations.get(i).rule().name(), new JsonArray(gs));
        }
        o.put("groups", all);
        return o;
    }

    /**
     * Goes on from a state {@link #save} gave, before any alert of this run. Correlations no longer
     * loaded, and groups whose key no longer fits their correlation's group-by, are left out.
     *
     * @throws IllegalArgumentException if {@code o} is not such a state
     */
    @SuppressWarnings("unchecked")
    public synchronized void restore(JsonObject o) {
        try {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < correlations.size(); i++) {
                index.put(correlations.get(i).rule().name(), i);
            }
            seq = Math.max(seq, num(o.get("seq")));
            newest = Math.max(newest, num(o.get("newest")));
            for (JsonValue v : ((JsonArray) o.get("pending")).items()) {
                JsonObject j = (JsonObject) v;
                List<Integer> corr = new ArrayList<>();
                List<List<String>> keys = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (JsonValue cv : ((JsonArray) j.get("counts")).items()) {
                    JsonObject c = (JsonObject) cv;
                    Integer i = index.get(c.string("correlation"));
                    List<String> key = strings(c.get("key"));
                    if (i != null && key.size() == correlations.get(i).groupBy().size()) {
                        corr.add(i);
                        keys.add(key);
                        values.add(string(c.get("value")));
                    }
                }
                if (!corr.isEmpty()) {
                    pending.add(new Hit(j.string("rule"), num(j.get("time")), num(j.get("seq")), location(j.get("where")),
                            corr.stream().mapToInt(Integer::intValue).toArray(), keys.toArray(new List[0]),
                            values.toArray(new String[0])));
                }
            }
            JsonObject all = (JsonObject) o.get("groups");
            for (int n = 0; n < all.size(); n++) {
                Integer i = index.get(all.keyAt(n));
                if (i == null) {
                    continue;
                }
                for (JsonValue gv : ((JsonArray) all.valueAt(n)).items()) {
                    JsonObject j = (JsonObject) gv;
                    List<String> key = strings(j.get("key"));
                    if (key.size() != correlations.get(i).groupBy().size() || groups.get(i).containsKey(key)) {
                        continue;
                    }
                    if (total >= maxGroups) {
                        evictOldest();
                    }
                    Group g = newGroup(i);
                    g.last = num(j.get("last"));
                    for (JsonValue ev : ((JsonArray) j.get("events")).items()) {
                        JsonObject e = (JsonObject) ev;
                        g.add(new Entry(num(e.get("time")), num(e.get("seq")), location(e.get("where")),
                                e.string("rule"), string(e.get("value"))));
                    }
                    groups.get(i).put(key, g);
                    total++;
                }
            }
        } catch (ClassCastException | NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException("not a kaudit correlation state: " + e, e);
        }
    }

    private static JsonValue number(long n) {
        return new JsonLiteral(Long.toString(n));
    }

    private static long num(JsonValue v) {
        return Long.parseLong(((JsonLiteral) v).text());
    }

    private static JsonValue string(String s) {
        return s == null ? JsonLiteral.NULL : new JsonString(s);
    }

    private static String string(JsonValue v) {
        return v instanceof JsonString s ? s.value() : null;
    }

    private static JsonValue strings(List<String> l) {
        List<JsonValue> out = new ArrayList<>(l.size());
        l.forEach(x -> out.add(string(x)));
        return new JsonArray(out);
    }

    private static List<String> strings(JsonValue v) {
        List<String> out = new ArrayList<>();
        for (JsonValue x : ((JsonArray) v).items()) {
            out.add(string(x));
        }
        return out;
    }

    private static JsonValue location(Location l) {
        JsonObject o = new JsonObject();
        o.put("path", new JsonString(l.path()));
        o.put("line", number(l.line()));
        o.put("index", number(l.index()));
        o.put("partition", number(l.partition()));
        return o;
    }

    private static Location location(JsonValue v) {
        JsonObject o = (JsonObject) v;
        return new Location(o.string("path"), num(o.get("line")), (int) num(o.get("index")), (int) num(o.get("partition")));
    }

    private void offer(Hit h) {
        pending.add(h);
        newest = Math.max(newest, h.time);
    }

    private static AuditEvent eventOf(Alert a) {
        JsonObject root = a.event();
        if (a.correlation() != null) {   // a chained correlation: its group values, by position
            root = new JsonObject();
            List<JsonValue> vals = new ArrayList<>();
            for (String v : a.correlation().groupBy().values()) {
                vals.add(v == null ? JsonLiteral.NULL : new JsonString(v));
            }
            root.put("__kaudit_group", new JsonArray(vals));
        }
        return new AuditEvent(root == null ? new JsonObject() : root, a.timeNanos(), a.location(), 0);
    }

    @SuppressWarnings("unchecked")
    private Hit hit(Alert a, List<Integer> which, AuditEvent e) {
        int[] corr = new int[which.size()];
        List<String>[] keys = new List[which.size()];
        String[] values = new String[which.size()];
        for (int k = 0; k < corr.length; k++) {
            int i = which.get(k);
            corr[k] = i;
            Correlation c = correlations.get(i);
            List<String> key = new ArrayList<>();
            for (Function<AuditEvent, String> g : c.groupOf().get(a.rule())) {
                key.add(g.apply(e));
            }
            keys[k] = key;
            Function<AuditEvent, String> f = c.fieldOf().get(a.rule());
            values[k] = f == null ? null : f.apply(e);
        }
        return new Hit(a.rule(), a.timeNanos(), seq++, a.location(), corr, keys, values);
    }

    private void release(long upTo, Consumer<Alert> out) {
        while (!pending.isEmpty() && pending.peek().time <= upTo) {
            Hit h = pending.poll();
            for (int k = 0; k < h.corr.length; k++) {
                count(h.corr[k], h, h.keys[k], h.values[k], out);
            }
        }
    }

    private void count(int i, Hit h, List<String> key, String value, Consumer<Alert> out) {
        Correlation c = correlations.get(i);
        if (c.type().equals("value_count") && value == null) {
            return;   // an event without the counted field adds no value
        }
        long span = c.timespanNanos();
        LinkedHashMap<List<String>, Group> gs = groups.get(i);
        // groups idle for longer than the timespan: judged (whole-window conditions) and dropped
        for (Iterator<Map.Entry<List<String>, Group>> it = gs.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<List<String>, Group> g = it.next();
            if (h.time - g.getValue().last <= span) {
                break;
            }
            if (!c.monotone()) {
                close(i, c, g.getKey(), g.getValue(), out);
            }
            it.remove();
            total--;
        }
        Group g = gs.get(key);
        if (g == null) {
            if (total >= maxGroups) {
                evictOldest();
            }
            g = newGroup(i);
            gs.put(key, g);
            total++;
        }
        g.last = Math.max(g.last, h.time);
        Entry entry = new Entry(h.time, h.seq, h.where, h.rule, value);
        if (c.monotone()) {
            g.slide(h.time, span);
            g.add(entry);
            if (g.boundedByDistinct && !c.holds(g.distinct())) {
                return;   // too few of the rules present for any order to hold: no walk over the window
            }
            long n = measure(c, g);
            if (c.holds(n)) {
                fire(i, c, key, g.events, n, out);
                g.clear();
            }
        } else {
            if (!g.events.isEmpty() && h.time - g.events.peekFirst().time() > span) {
                close(i, c, key, g, out);
            }
            g.add(entry);
        }
    }

    /** Judges a whole window (non-monotone conditions) and empties it. */
    private void close(int i, Correlation c, List<String> key, Group g, Consumer<Alert> out) {
        if (g.events.isEmpty()) {
            return;
        }
        long n = measure(c, g);
        if (c.holds(n)) {
            fire(i, c, key, g.events, n, out);
        }
        g.clear();
    }

    private void evictOldest() {
        Map.Entry<List<String>, Group> oldest = null;
        int where = -1;
        for (int i = 0; i < groups.size(); i++) {
            Iterator<Map.Entry<List<String>, Group>> it = groups.get(i).entrySet().iterator();
            if (it.hasNext()) {
                Map.Entry<List<String>, Group> e = it.next();
                if (oldest == null || e.getValue().last < oldest.getValue().last) {
                    oldest = e;
                    where = i;
                }
            }
        }
        if (oldest != null) {
            groups.get(where).remove(oldest.getKey());
            total--;
            evicted++;
        }
    }

    private static long measure(Correlation c, Group g) {
        switch (c.type()) {
            case "event_count":
                return g.events.size();
            case "value_count":
            case "temporal":
                return g.distinct();
            default: {   // temporal_ordered: how many of the rules appear in their order
                List<String> order = c.rules();
                int next = 0;
                for (Entry e : g.events) {
                    if (next < order.size() && e.rule().equals(order.get(next))) {
                        next++;
                    }
                }
                return next;
            }
        }
    }

    private void fire(int i, Correlation c, List<String> key, ArrayDeque<Entry> events, long n, Consumer<Alert> out) {
        List<Entry> sorted = new ArrayList<>(events);
        Entry first = sorted.get(0);
        Entry last = sorted.get(sorted.size() - 1);
        Map<String, String> group = new LinkedHashMap<>();
        for (int k = 0; k < c.groupBy().size(); k++) {
            group.put(c.groupBy().get(k), key.get(k));
        }
        List<Location> where = new ArrayList<>();
        for (Entry e : sorted) {
            where.add(e.where());
        }
        StringBuilder groupText = new StringBuilder();
        for (Map.Entry<String, String> g : group.entrySet()) {
            groupText.append(groupText.length() == 0 ? "" : " ").append(g.getKey()).append('=')
                    .append(g.getValue() == null ? "<NA>" : g.getValue());
        }
        String what = switch (c.type()) {
            case "event_count" -> n + " events";
            case "value_count" -> n + " distinct " + c.field();
            default -> n + " of " + c.rules().size() + " rules";
        };
        String message = c.rule().name() + " (" + c.type() + ": " + what + (groupText.length() == 0 ? ""
                : ", " + groupText) + ", window " + Timestamps.isoUtc(first.time()) + " to "
                + Timestamps.isoUtc(last.time()) + ", first " + first.where() + ", last " + last.where() + ")";
        Map<String, Object> fields = new TreeMap<>();
        fields.put("evt.time", last.time());
        for (Map.Entry<String, String> g : group.entrySet()) {
            fields.put("correlation.group." + g.getKey(), g.getValue());
        }
        fields.put("correlation.count", n);
        String line = Timestamps.clock(last.time()) + ": " + c.rule().priority().falcoName() + " " + message;
        Alert a = new Alert(last.time(), c.rule().name(), c.rule().priority(), c.rule().source(), c.rule().tags(),
                line, message, fields, Hostname.get(), last.where(), "", c.rule().description(), null, c.rule().id(),
                new Alert.CorrelationMatch(c.type(), group, first.time(), last.time(), n, List.copyOf(where)));
        if (!engine.quiet(a.rule())) {
            out.accept(a);
        }
        List<Integer> chained = byRule.get(a.rule());
        if (chained != null) {   // a correlation of correlations: counted as soon as it fires
            Hit h = hit(a, chained, eventOf(a));
            for (int k = 0; k < h.corr.length; k++) {
                count(h.corr[k], h, h.keys[k], h.values[k], out);
            }
        }
    }
}
