package io.kaudit.live;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import io.kaudit.engine.Alert;
import io.kaudit.event.Timestamps;
import io.kaudit.report.AlertJson;
import io.kaudit.report.html.HtmlPage;
import io.kaudit.report.html.HtmlSink;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code serve --ui}: the report's page live at {@code /ui} (new alerts over Server-Sent Events at
 * {@code /ui/events}, no reload), and the alerts kept as JSON Lines at {@code GET /api/alerts?since=T}.
 * Keeps the last {@code keep} alerts in memory. With a token, a request needs it as a bearer token
 * or as the cookie that {@code /ui?token=...} sets once (HttpOnly, SameSite=Strict, Secure under TLS).
 * Publishing never blocks ingestion: each browser has its own bounded stream ({@link SseStream}).
 */
public final class LiveUi implements HttpReceiver.Routes {
    static final String COOKIE = "kaudit_ui";
    /** Most browsers streaming at once; more get 503. */
    static final int MAX_STREAMS = 32;
    /** The sliding window the page counts over. */
    static final long WINDOW_MS = 15 * 60_000L;
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** One kept alert: its id, time, the page's JSON and the JSON Lines alert. */
    private record Kept(long id, long timeNanos, String page, String jsonl) {
    }

    private final List<Rule> rules;
    private final int keep;
    private final byte[] token;
    private final boolean tls;
    private final String version;
    private final String cookie;
    private final ArrayDeque<Kept> kept = new ArrayDeque<>();
    private final List<SseStream> streams = new CopyOnWriteArrayList<>();
    private final AtomicLong streamsDropped = new AtomicLong();
    private long nextId = 1;
    private long events;
    private long alerts;

    public LiveUi(List<Rule> rules, int keep, byte[] token, boolean tls, String version) {
        this.rules = rules;
        this.keep = Math.max(1, keep);
        this.token = token;
        this.tls = tls;
        this.version = version;
        this.cookie = token == null ? null : sessionValue(token);
    }

    /** The cookie's value: a MAC of the token under a secret of this run (the token itself is not stored in the browser). */
    private static String sessionValue(byte[] token) {
        try {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(token));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts events received (for the page's counters). */
    public synchronized void events(long n) {
        events += n;
    }

    /** Keeps {@code a} and sends it to every open page; never waits for a browser. */
    public void alert(Alert a) {
        // the page's JSON, with when it was received: the sliding window counts on that, not on event time
        String page = "{\"rx\":" + System.currentTimeMillis() + "," + HtmlSink.pageJson(a).substring(1);
        String frame;
        synchronized (this) {
            alerts++;
            Kept k = new Kept(nextId++, a.timeNanos(), page, AlertJson.toJson(a));
            kept.addLast(k);
            if (kept.size() > keep) {
                kept.removeFirst();
            }
            frame = frame(k);
        }
        for (SseStream s : streams) {
            if (!s.offer(frame)) {
                drop(s);
            }
        }
    }

    private void drop(SseStream s) {
        if (streams.remove(s)) {
            streamsDropped.incrementAndGet();
        }
    }

    private static String frame(Kept k) {
        return "id: " + k.id + "\nevent: alert\ndata: " + k.page + "\n\n";
    }

    private synchronized String stats() {
        return "{\"events\":" + events + ",\"alerts\":" + alerts + "}";
    }

    /** Prometheus lines for /metrics. */
    public String metrics() {
        return "# HELP kaudit_ui_streams Browsers streaming the live UI.\n# TYPE kaudit_ui_streams gauge\n"
                + "kaudit_ui_streams " + streams.size() + "\n"
                + "# HELP kaudit_ui_streams_dropped_total Browser streams cut because they read too slowly.\n"
                + "# TYPE kaudit_ui_streams_dropped_total counter\nkaudit_ui_streams_dropped_total " + streamsDropped.get() + "\n"
                + "# HELP kaudit_ui_alerts_kept Alerts the live UI keeps in memory.\n# TYPE kaudit_ui_alerts_kept gauge\n"
                + "kaudit_ui_alerts_kept " + keptCount() + "\n";
    }

    private synchronized int keptCount() {
        return kept.size();
    }

    /** Ends every stream (serve is stopping). */
    public void stop() {
        streams.forEach(SseStream::stop);
    }

    @Override
    public boolean owns(String path) {
        return path.equals("/ui") || path.startsWith("/ui/") || path.equals("/api/alerts");
    }

    @Override
    public void handle(HttpExchange ex, boolean bearer) throws IOException {
        String path = ex.getRequestURI().getPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        if (!ex.getRequestMethod().equals("GET")) {
            reply(ex, 405, "text/plain", "GET only\n");
            return;
        }
        boolean allowed = token == null || bearer || hasCookie(ex);
        if (!allowed && path.equals("/ui") && query.containsKey("token")
                && MessageDigest.isEqual(query.get("token").getBytes(StandardCharsets.UTF_8), token)) {
            // the token given once: kept in a cookie script cannot read, and taken out of the address bar
            ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + cookie + "; Path=/; HttpOnly; SameSite=Strict"
                    + (tls ? "; Secure" : ""));
            ex.getResponseHeaders().set("Location", "/ui");
            reply(ex, 303, "text/plain", "see /ui\n");
            return;
        }
        if (!allowed) {
            reply(ex, 401, "text/plain", "missing or wrong token: open /ui?token=TOKEN once, or send 'Authorization: Bearer TOKEN'\n");
            return;
        }
        switch (path) {
            case "/ui" -> page(ex);
            case "/ui/events" -> stream(ex, query);
            case "/api/alerts" -> alertLines(ex, query);
            default -> reply(ex, 404, "text/plain", "not found\n");
        }
    }

    private boolean hasCookie(HttpExchange ex) {
        List<String> headers = ex.getRequestHeaders().get("Cookie");
        if (headers == null) {
            return false;
        }
        for (String h : headers) {
            for (String part : h.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=") && MessageDigest.isEqual(p.substring(COOKIE.length() + 1)
                        .getBytes(StandardCharsets.UTF_8), cookie.getBytes(StandardCharsets.UTF_8))) {
                    return true;
                }
            }
        }
        return false;
    }

    private void page(HttpExchange ex) throws IOException {
        List<String> alertsNow;
        long lastId;
        String counts;
        synchronized (this) {
            alertsNow = new ArrayList<>(kept.size());
            kept.forEach(k -> alertsNow.add(k.page));
            lastId = nextId - 1;
            counts = stats();
        }
        HtmlPage page = HtmlPage.get();
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("Content-Security-Policy", page.csp(true));
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        ex.sendResponseHeaders(200, 0);
        try (ex; Writer w = new OutputStreamWriter(ex.getResponseBody(), StandardCharsets.UTF_8)) {
            Map<String, String> text = Map.of("csp", page.csp(true), "title", "kaudit live", "heading", "live alerts",
                    "subtitle", "kaudit serve \u00b7 POST /k8s-audit", "footer", "kaudit " + version
                            + " \u00b7 live: new alerts arrive without reload; the last " + keep + " are kept in memory");
            Map<String, HtmlPage.JsonValueWriter> json = Map.of(
                    "data", g -> data(g, lastId, counts),
                    "alerts", g -> {
                        g.writeStartArray();
                        for (String a : alertsNow) {
                            g.writeRawValue(a);
                        }
                        g.writeEndArray();
                    });
            page.write(w, text, json);
        }
    }

    private void data(JsonGenerator g, long lastId, String counts) throws IOException {
        g.writeStartObject();
        g.writeStringField("mode", "live");
        g.writeArrayFieldStart("priorities");
        for (Priority p : Priority.values()) {
            g.writeString(p.falcoName());
        }
        g.writeEndArray();
        g.writeNumberField("rules_loaded", rules.size());
        g.writeArrayFieldStart("rules");
        for (Rule r : rules) {
            g.writeStartObject();
            g.writeStringField("name", r.name());
            g.writeStringField("priority", r.priority().falcoName());
            g.writeArrayFieldStart("tags");
            for (String t : r.tags()) {
                g.writeString(t);
            }
            g.writeEndArray();
            g.writeStringField("description", r.description() == null ? "" : r.description().strip());
            g.writeNumberField("count", 0);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeFieldName("stats");
        g.writeRawValue(counts);
        g.writeNumberField("keep", keep);
        g.writeNumberField("window_ms", WINDOW_MS);
        g.writeStringField("events_url", "/ui/events?after=" + lastId);
        g.writeArrayFieldStart("actors");
        g.writeEndArray();
        g.writeEndObject();
    }

    private void stream(HttpExchange ex, Map<String, String> query) throws IOException {
        if (streams.size() >= MAX_STREAMS) {
            reply(ex, 503, "text/plain", "too many live UI streams\n");
            return;
        }
        long after = parseId(ex.getRequestHeaders().getFirst("Last-Event-ID"), parseId(query.get("after"), Long.MAX_VALUE));
        SseStream[] self = new SseStream[1];
        SseStream s = new SseStream(ex, this::stats, () -> streams.remove(self[0]));
        self[0] = s;
        synchronized (this) {
            for (Kept k : kept) {
                if (k.id > after) {
                    s.offer(frame(k));   // what the page missed (a reconnect): within the queue's size
                }
            }
            streams.add(s);
        }
        Thread t = new Thread(s, "kaudit-ui-stream");
        t.setDaemon(true);
        t.start();
    }

    private static long parseId(String s, long otherwise) {
        if (s == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** {@code GET /api/alerts?since=T}: the kept alerts at or after T (RFC 3339, or a duration back: 10m), as JSON Lines. */
    private void alertLines(HttpExchange ex, Map<String, String> query) throws IOException {
        long since;
        try {
            since = since(query.get("since"));
        } catch (IllegalArgumentException e) {
            reply(ex, 400, "text/plain", "since: " + e.getMessage() + " (RFC 3339 time or a duration: 30s, 10m, 2h, 7d)\n");
            return;
        }
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            for (Kept k : kept) {
                if (k.timeNanos >= since) {
                    lines.add(k.jsonl);
                }
            }
        }
        ex.getResponseHeaders().set("Content-Type", "application/jsonl; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        try (ex; OutputStream out = ex.getResponseBody()) {
            for (String l : lines) {
                out.write(l.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        }
    }

    static long since(String s) {
        if (s == null || s.isBlank()) {
            return Long.MIN_VALUE;
        }
        Matcher m = DURATION.matcher(s.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long ms = switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 86_400_000;
            };
            return (System.currentTimeMillis() - ms) * 1_000_000L;
        }
        return Timestamps.parse(s.trim());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new java.util.HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            out.putIfAbsent(k, eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        try (ex) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            ex.sendResponseHeaders(code, b.length);
            ex.getResponseBody().write(b);
        }
    }
}
