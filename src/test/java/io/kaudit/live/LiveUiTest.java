package io.kaudit.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Chromium;
import io.kaudit.Hostile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --ui}: the live page in a real headless Chromium, its token, its JSON Lines API. */
class LiveUiTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (https?://[^ /]+)");
    static Chromium browser;

    @TempDir
    Path dir;
    private Process server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = Chromium.start();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void stopServer() throws Exception {
        browser.open("about:blank");   // the page's stream must not retry a stopped server into the next test
        if (server != null) {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code kaudit serve --ui} on a free port; returns http://HOST:PORT. */
    private String serve(String... extra) throws Exception {
        return serveWriting("jsonl", dir.resolve("alerts.jsonl"), extra);
    }

    private String serveWriting(String format, Path out, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main", "serve", "--ui", "--listen",
                "127.0.0.1:0", "-f", format, "-o", out.toString()));
        cmd.addAll(List.of(extra));
        Path console = dir.resolve("serve.txt");
        server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            Matcher m = LISTENING.matcher(Files.exists(console) ? Files.readString(console) : "");
            if (m.find()) {
                return m.group(1);
            }
            assertTrue(server.isAlive(), () -> "serve exited: " + read(console));
            Thread.sleep(20);
        }
        throw new AssertionError("serve did not start: " + read(console));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int post(String base, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/k8s-audit"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** One line of a sample as an EventList, its pod renamed. */
    private static String eventList(String pod) throws IOException {
        String event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0).replace("debug-tools", pod);
        return "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" + event + "]}";
    }

    private void openLive(String url) throws Exception {
        browser.open("about:blank");
        browser.errors.clear();
        browser.requests.clear();
        browser.open(url);
        assertTrue(browser.await("document.getElementById('live-state').textContent === 'live'", 10_000),
                "the page's event stream is open");
    }

    @Test
    void anAlertPostedAppearsInTheOpenPageWithinTwoSeconds() throws Exception {
        String base = serve();
        assertEquals(200, post(base, eventList("first-pod")));
        openLive(base + "/ui");
        assertTrue(browser.await("document.querySelectorAll('#alerts tr[data-alert]').length > 0", 5000), "kept alerts are on the page");
        long before = browser.number("document.querySelectorAll('#alerts tr[data-alert]').length");
        long t0 = System.nanoTime();
        assertEquals(200, post(base, eventList("live-attack-pod")));
        boolean shown = browser.await("document.querySelectorAll('#alerts tr[data-alert]').length > " + before, 2000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(shown, "no new alert row within 2 s");
        assertTrue(ms < 2000, ms + " ms");
        browser.eval("document.querySelector('#alerts tr[data-alert]').click()");   // newest first: its event shows
        assertTrue(browser.await("document.querySelector('#alerts pre.json').textContent.includes('live-attack-pod')", 2000));
        // the counters follow, and the rule's count is over the window
        assertTrue(browser.await("Number(document.querySelector('[data-stat=alerts]').dataset.value) >= 2", 5000));
        assertEquals(List.of(), browser.errors);
        for (String r : browser.requests) {
            assertTrue(r.startsWith(base + "/ui"), "only its own server: " + r);
        }
        Path shots = Files.createDirectories(Path.of("target", "screenshots"));
        browser.screenshot(shots.resolve("live.png"), 1280, 1150);
        browser.screenshot(shots.resolve("live.jpg"), 1280, 1150);   // for README (src/docs/screenshots)
        browser.viewport(1400, 900);
    }

    @Test
    void withATokenTheUiAndTheApiRefuseRequestsWithoutIt() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-token\n");
        String base = serve("--token-file", token.toString());
        for (String path : List.of("/ui", "/api/alerts", "/ui/events", "/ui?token=wrong")) {
            assertEquals(401, get(base + path).statusCode(), path);
        }
        assertEquals(401, get(base + "/api/alerts", "Authorization", "Bearer wrong").statusCode());
        assertEquals(401, get(base + "/ui", "Cookie", LiveUi.COOKIE + "=forged").statusCode());
        assertEquals(200, post(base, eventList("token-pod"), "Authorization", "Bearer s3cret-token"));
        HttpResponse<String> api = get(base + "/api/alerts", "Authorization", "Bearer s3cret-token");
        assertEquals(200, api.statusCode());
        assertTrue(api.body().contains("token-pod"));
        // the token given once becomes a cookie script cannot read
        HttpResponse<String> once = get(base + "/ui?token=s3cret-token");
        assertEquals(303, once.statusCode());
        String cookie = once.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        assertFalse(cookie.contains("Secure"), "no TLS here: " + cookie);
        assertFalse(cookie.contains("s3cret-token"), "the cookie is not the token: " + cookie);
        assertEquals(200, get(base + "/ui", "Cookie", cookie.substring(0, cookie.indexOf(';'))).statusCode());
        // a browser given the token once sees the page and its stream
        openLive(base + "/ui?token=s3cret-token");
        assertEquals(base + "/ui", browser.text("location.href"));
        assertTrue(browser.await("document.querySelectorAll('#alerts tr[data-alert]').length > 0", 5000));
        assertEquals("false", browser.eval("document.cookie.includes('" + LiveUi.COOKIE + "')"));
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void apiAlertsSinceGivesJsonLines() throws Exception {
        String base = serve();
        assertEquals(200, post(base, eventList("api-pod")));
        HttpResponse<String> all = get(base + "/api/alerts?since=2026-03-14T09:00:00Z");
        assertEquals(200, all.statusCode());
        assertTrue(all.headers().firstValue("Content-Type").orElse("").startsWith("application/jsonl"));
        List<String> lines = all.body().lines().toList();
        assertFalse(lines.isEmpty());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("{\"time\":\"2026-03-14T09:00:01")), lines.toString());
        assertEquals("", get(base + "/api/alerts?since=2026-03-15T00:00:00Z").body());
        assertEquals(400, get(base + "/api/alerts?since=yesterday").statusCode());
    }

    @Test
    void untrustedStringsRenderAsTextLive() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, Hostile.RULE, StandardCharsets.UTF_8);
        String base = serve("-r", rules.toString());
        openLive(base + "/ui");
        assertEquals(200, post(base, "[" + Hostile.event() + "]"));
        assertTrue(browser.await("document.querySelectorAll('#alerts tr[data-alert]').length === 1", 5000));
        browser.eval("document.querySelector('#alerts tr[data-alert]').click()");
        assertTrue(browser.await("document.querySelector('#alerts tr[data-detail] pre') !== null", 2000));
        Hostile.assertRenderedAsText(browser);
    }

    @Test
    void aBrowserThatDoesNotReadLosesOnlyItsOwnStream() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, Hostile.RULE, StandardCharsets.UTF_8);
        String base = serve("-r", rules.toString(), "--ui-keep", "100");
        URI uri = URI.create(base);
        try (Socket stuck = new Socket(uri.getHost(), uri.getPort())) {
            stuck.setReceiveBufferSize(4096);
            OutputStream o = stuck.getOutputStream();
            o.write("GET /ui/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = stuck.getInputStream();
            in.read(new byte[64]);   // the stream is open; from now on it reads nothing
            openLive(base + "/ui");  // a good browser beside it
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 200; i++) {
                batch.append(i == 0 ? "" : ",").append(Hostile.event());
            }
            String body = batch.append(']').toString();
            long end = System.currentTimeMillis() + 60_000;
            String metrics = "";
            while (System.currentTimeMillis() < end) {
                assertEquals(200, post(base, body), "ingestion is not slowed down");
                metrics = get(base + "/metrics").body();
                if (metrics.contains("kaudit_ui_streams_dropped_total 1")) {
                    break;
                }
            }
            assertTrue(metrics.contains("kaudit_ui_streams_dropped_total 1"), metrics);
            assertTrue(browser.await("document.getElementById('live-state').textContent === 'live'", 2000));
            assertTrue(browser.await("Number(document.querySelector('[data-stat=alerts]').dataset.value) > 1000", 10_000),
                    "the good browser still gets its alerts");
        }
    }

    @Test
    void serveWritesTheHtmlReportWhenItStops() throws Exception {
        Path report = dir.resolve("report.html");
        String base = serveWriting("html", report);
        StringBuilder batch = new StringBuilder("{\"kind\":\"EventList\",\"items\":[");
        List<String> events = Files.readAllLines(Path.of("samples", "busy-cluster.log"));
        events.addAll(Files.readAllLines(Path.of("samples", "privileged-pod.log")));
        for (int i = 0; i < events.size(); i++) {
            batch.append(i == 0 ? "" : ",").append(events.get(i));
        }
        assertEquals(200, post(base, batch.append("]}").toString()));
        server.destroy();   // SIGTERM: the report is written
        assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        io.kaudit.event.JsonObject data = io.kaudit.ReportFile.data(report);
        assertEquals(String.valueOf(events.size()), data.object("stats").get("events").asText());
        io.kaudit.event.JsonArray actors = (io.kaudit.event.JsonArray) data.get("actors");
        assertTrue(actors.size() > 3, "actors counted from every event");
        long actorEvents = 0;
        for (io.kaudit.event.JsonValue a : actors.items()) {
            actorEvents += Long.parseLong(((io.kaudit.event.JsonObject) a).get("events").asText());
        }
        assertTrue(actorEvents >= events.size(), "users and source IPs: " + actorEvents);
        assertTrue(Long.parseLong(data.get("alerts_total").asText()) > 0);
    }
}
