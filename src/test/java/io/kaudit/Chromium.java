package io.kaudit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonValue;
import io.kaudit.event.JsonWriter;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real headless Chromium (Debian's package) driven over the DevTools protocol: a WebSocket from
 * java.net.http, JSON from the project's own reader. Records console errors, uncaught exceptions
 * and every network request of its page. Tests call {@link #start()} and skip where Chromium is absent.
 */
public final class Chromium implements AutoCloseable {
    private static final List<String> BINARIES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> waiting = new ConcurrentHashMap<>();
    private final String session;
    /** Console errors and uncaught exceptions, as text. */
    public final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    /** The URL of every request the page made. */
    public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile CompletableFuture<Void> loaded = new CompletableFuture<>();

    private Chromium(Process process, Path profile, WebSocket socket, Listener listener) throws IOException {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
        listener.owner = this;
        String target = call(null, "Target.createTarget", "{\"url\":\"about:blank\"}").object("result").string("targetId");
        session = call(null, "Target.attachToTarget", "{\"targetId\":\"" + target + "\",\"flatten\":true}")
                .object("result").string("sessionId");
        for (String domain : List.of("Runtime", "Log", "Network", "Page")) {
            send(domain + ".enable", "{}");
        }
        viewport(1400, 900);
    }

    /** Starts Chromium, or skips the test when it is not installed. */
    public static Chromium start() throws IOException, InterruptedException {
        String binary = BINARIES.stream().filter(b -> Files.isExecutable(Path.of(b))).findFirst().orElse(null);
        assumeTrue(binary != null, "Chromium is not installed (apt-get install chromium)");
        Path profile = Files.createTempDirectory("kaudit-chromium");
        Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path port = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(port) && Files.readAllLines(port).size() >= 2)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                assumeTrue(false, "Chromium did not start");
            }
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(port);
        Listener listener = new Listener();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20))
                .buildAsync(URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim()), listener).join();
        return new Chromium(p, profile, ws, listener);
    }

    /** Receives the protocol's messages (possibly in parts) and hands them to the browser object. */
    private static final class Listener implements WebSocket.Listener {
        volatile Chromium owner;
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                String text = part.toString();
                part.setLength(0);
                while (owner == null) {
                    Thread.onSpinWait();
                }
                owner.received(text);
            }
            ws.request(1);
            return null;
        }
    }

    private void received(String text) {
        JsonObject m;
        try {
            m = (JsonObject) JsonReader.parse(text, Projection.ALL);
        } catch (IOException e) {
            return;
        }
        JsonValue id = m.get("id");
        if (id != null) {
            CompletableFuture<JsonObject> f = waiting.remove(Integer.parseInt(id.asText()));
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        String method = m.string("method");
        JsonObject params = m.object("params");
        if (method == null || params == null) {
            return;
        }
        switch (method) {
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.string("type")) || "assert".equals(params.string("type"))) {
                    errors.add("console: " + params.get("args"));
                }
            }
            case "Runtime.exceptionThrown" -> errors.add("exception: " + params.get("exceptionDetails"));
            case "Log.entryAdded" -> {
                JsonObject entry = params.object("entry");
                if ("error".equals(entry.string("level"))) {
                    errors.add("log: " + entry.string("text") + " " + entry.string("url"));
                }
            }
            case "Network.requestWillBeSent" -> requests.add(params.object("request").string("url"));
            case "Page.loadEventFired" -> loaded.complete(null);
            default -> {
            }
        }
    }

    private JsonObject call(String sessionId, String method, String params) throws IOException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonObject> f = new CompletableFuture<>();
        waiting.put(id, f);
        socket.sendText("{\"id\":" + id + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"")
                + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true).join();
        try {
            JsonObject reply = f.get(60, TimeUnit.SECONDS);
            if (reply.get("error") != null) {
                throw new IOException(method + ": " + reply.get("error"));
            }
            return reply;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(method + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Sends a command to the page and returns its {@code result}. */
    public JsonObject send(String method, String params) throws IOException {
        return call(session, method, params).object("result");
    }

    public void viewport(int width, int height) throws IOException {
        send("Emulation.setDeviceMetricsOverride", "{\"width\":" + width + ",\"height\":" + height
                + ",\"deviceScaleFactor\":1,\"mobile\":false}");
    }

    /** Opens {@code url} and waits for its load event. */
    public void open(String url) throws IOException {
        loaded = new CompletableFuture<>();
        send("Page.navigate", "{\"url\":" + JsonWriter.quote(url) + "}");
        try {
            loaded.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("page did not load: " + url, e);
        }
    }

    /** Evaluates {@code js} in the page; the value as JSON text (objects and arrays too). */
    public String eval(String js) throws IOException {
        JsonObject r = send("Runtime.evaluate", "{\"expression\":" + JsonWriter.quote("JSON.stringify((function(){return (" + js
                + ");})())") + ",\"returnByValue\":true,\"awaitPromise\":true}");
        if (r.get("exceptionDetails") != null) {
            throw new IOException("script failed: " + js + ": " + r.get("exceptionDetails"));
        }
        JsonValue v = r.object("result").get("value");
        return v == null ? "undefined" : v.asText();
    }

    /** Evaluates {@code js} as a JSON value. */
    public JsonValue value(String js) throws IOException {
        return JsonReader.parse(eval(js), Projection.ALL);
    }

    public String text(String js) throws IOException {
        JsonValue v = value(js);
        return v instanceof io.kaudit.event.JsonString s ? s.value() : v.asText();
    }

    public long number(String js) throws IOException {
        return Long.parseLong(value(js).asText());
    }

    public List<String> strings(String js) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonValue v : ((JsonArray) value(js)).items()) {
            out.add(v instanceof io.kaudit.event.JsonString s ? s.value() : v.asText());
        }
        return out;
    }

    /** Waits up to {@code millis} for {@code js} to be true; returns whether it became true. */
    public boolean await(String js, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        do {
            if ("true".equals(eval("!!(" + js + ")"))) {
                return true;
            }
            Thread.sleep(25);
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** A real mouse drag from (x0, y) to (x1, y), in CSS pixels of the viewport. */
    public void drag(double x0, double x1, double y) throws IOException {
        mouse("mousePressed", x0, y, 1);
        for (int i = 1; i <= 5; i++) {
            mouse("mouseMoved", x0 + (x1 - x0) * i / 5, y, 1);
        }
        mouse("mouseReleased", x1, y, 0);
    }

    private void mouse(String type, double x, double y, int buttons) throws IOException {
        send("Input.dispatchMouseEvent", "{\"type\":\"" + type + "\",\"x\":" + x + ",\"y\":" + y
                + ",\"button\":\"left\",\"buttons\":" + buttons + ",\"clickCount\":1}");
    }

    /** A picture of the page (up to {@code maxHeight} tall), {@code width} CSS pixels wide: JPEG if so named, else PNG. */
    public void screenshot(Path file, int width, int maxHeight) throws IOException {
        long height = number("Math.ceil(document.documentElement.scrollHeight)");
        viewport(width, (int) Math.min(height, maxHeight));
        String format = file.toString().endsWith(".jpg") ? "\"jpeg\",\"quality\":60" : "\"png\"";
        String data = send("Page.captureScreenshot", "{\"format\":" + format + "}").string("data");
        Files.write(file, Base64.getDecoder().decode(data));
    }

    @Override
    public void close() throws IOException {
        try {
            // not waiting for the answer: the browser may close the socket first
            socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\",\"params\":{}}", true)
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                socket.abort();
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.abort();
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
