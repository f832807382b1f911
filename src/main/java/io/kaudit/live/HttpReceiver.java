package io.kaudit.live;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * Falco's {@code /k8s-audit} endpoint: {@code POST} bodies of audit events (Event, EventList, JSON
 * array, NDJSON, Fluent Bit records; gzip allowed) handed to a {@link Batches} handler, which
 * answers once the batch has been evaluated. Also {@code GET /healthz} and {@code GET /metrics}.
 * Served by {@link BoundedHttpServer} (header and request deadlines, a connection cap answering
 * 503), not the JDK's own server, whose fixed pool a few slow clients hold (slowloris).
 */
public final class HttpReceiver {
    public static final String PATH = "/k8s-audit";

    /** Evaluates one request body; returns null on success or the reason it is malformed. */
    public interface Batches {
        String handle(byte[] body, int length, String client);

        /**
         * A body that could not even be decoded (gzip that does not gunzip): it is answered 400 as a
         * malformed body; a handler that keeps the run's stats counts it here.
         */
        default void undecodable(String client, String problem) {
        }
    }

    /** Settings: where to listen, how big a body may be, TLS and token (both optional). */
    public record Config(InetSocketAddress address, long maxBody, SSLContext tls, byte[] token, int threads,
                         int maxConnections, long headerMillis, long requestMillis) {
        /** The defaults: 512 connections, 10 s for the headers, 60 s for a whole request. */
        public Config(InetSocketAddress address, long maxBody, SSLContext tls, byte[] token, int threads) {
            this(address, maxBody, tls, token, threads, BoundedHttpServer.Limits.DEFAULT.maxConnections(),
                    BoundedHttpServer.Limits.DEFAULT.headerMillis(), BoundedHttpServer.Limits.DEFAULT.requestMillis());
        }

        BoundedHttpServer.Limits limits() {
            BoundedHttpServer.Limits d = BoundedHttpServer.Limits.DEFAULT;
            return new BoundedHttpServer.Limits(maxConnections, headerMillis, requestMillis, d.idleMillis(), d.maxHeaderBytes());
        }
    }

    /**
     * More routes beside /k8s-audit (the live UI). A route owning a path answers it and closes the
     * exchange itself, possibly later from another thread (a stream of Server-Sent Events).
     */
    public interface Routes {
        boolean owns(String path);

        /** @param bearer whether the request carries the right bearer token (or none is required) */
        void handle(HttpExchange ex, boolean bearer) throws IOException;
    }

    private volatile Routes routes;
    private final BoundedHttpServer server;
    /** Batches evaluated at once (--threads): slow clients hold connections, never these. */
    private final Semaphore evaluating;
    private final Config config;
    private final Batches batches;
    private final Supplier<String> metrics;
    private final Map<Integer, AtomicLong> rejected = new ConcurrentHashMap<>();
    private final AtomicLong accepted = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean draining;

    private final java.util.function.Consumer<String> log;
    /** Rejections are logged at most once per this many ms per status (a retrying sender must not flood the log). */
    private final long logEveryMillis;
    /** Per status: when a rejection was last logged, and how many were not logged since. */
    private final Map<Integer, long[]> lastLogged = new java.util.HashMap<>();

    /** @param log where rejected requests are told (why, and from where), so the operator sees a misconfigured sender */
    public HttpReceiver(Config config, Batches batches, Supplier<String> metrics, java.util.function.Consumer<String> log)
            throws IOException {
        this(config, batches, metrics, log, 60_000);
    }

    HttpReceiver(Config config, Batches batches, Supplier<String> metrics, java.util.function.Consumer<String> log,
                 long logEveryMillis) throws IOException {
        this.config = config;
        this.batches = batches;
        this.metrics = metrics;
        this.log = log;
        this.logEveryMillis = logEveryMillis;
        this.evaluating = new Semaphore(Math.max(2, config.threads()));
        // Read off (and discard) up to this much of a body we refuse, so the client gets our 413
        // instead of a connection reset.
        server = new BoundedHttpServer(config.address(), config.tls(), config.limits(),
                Math.max(64L << 20, 2 * config.maxBody()), this::route, this::refused);
    }

    /** A request the server refused before any route saw it (400, 408, 414, 431, 503): counted and logged. */
    private void refused(int status, String why, String from) {
        rejected.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
        logRejection(status, "request from " + from + ": " + why);
    }

    /** Connections open now (for /metrics). */
    public int connections() {
        return server.connections();
    }

    /** Adds {@code r}'s routes (call before {@link #start}). */
    public void routes(Routes r) {
        routes = r;
    }

    /** Whether TLS is on (the UI then marks its cookie Secure). */
    public boolean tls() {
        return config.tls() != null;
    }

    /** The token required, or null. */
    public byte[] token() {
        return config.token() == null ? null : config.token().clone();
    }

    public void start() {
        server.start();
    }

    /** The bound address (the port is real even when 0 was asked for). */
    public InetSocketAddress address() {
        return server.address();
    }

    /**
     * Stops: new batches are refused (503), batches in flight finish (up to {@code seconds}), then
     * the server closes.
     */
    public void stop(int seconds) {
        draining = true;
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (inFlight.get() > 0 && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop();
    }

    public long accepted() {
        return accepted.get();
    }

    /** Rejected requests by HTTP status, for /metrics. */
    public Map<Integer, AtomicLong> rejected() {
        return rejected;
    }

    private void route(HttpExchange ex) {
        Routes r = routes;
        if (r != null && r.owns(ex.getRequestURI().getPath())) {
            try {
                r.handle(ex, authorized(ex));
            } catch (IOException | RuntimeException e) {
                ex.close();
            }
            return;
        }
        try (ex) {
            try {
                dispatch(ex);
            } catch (RuntimeException e) {
                if (ex.getResponseCode() < 0) {   // nothing sent yet: say so, so the client retries knowingly
                    reply(ex, 500, "internal error: " + e + "\n");
                }
            }
        } catch (IOException e) {
            // a broken connection while answering: the client sees it, we keep serving
        }
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/healthz")) {
            reply(ex, method.equals("GET") || method.equals("HEAD") ? 200 : 405, "ok\n");
        } else if (path.equals("/metrics")) {
            if (!authorized(ex)) {
                reply(ex, 401, "missing or wrong bearer token\n");
            } else if (!method.equals("GET")) {
                reply(ex, 405, method + " method not allowed\n");
            } else {
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                reply(ex, 200, metrics.get());
            }
        } else if (path.equals(PATH)) {
            audit(ex, method);
        } else {
            reply(ex, 404, "not found: use POST " + PATH + "\n");
        }
    }

    private void audit(HttpExchange ex, String method) throws IOException {
        inFlight.incrementAndGet();
        try {
            if (draining) {
                reply(ex, 503, "shutting down\n");
                return;
            }
            receive(ex, method);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void receive(HttpExchange ex, String method) throws IOException {
        if (!authorized(ex)) {
            reply(ex, 401, "missing or wrong bearer token\n");
            return;
        }
        if (!method.equals("POST")) {
            ex.getResponseHeaders().set("Allow", "POST");
            reply(ex, 405, method + " method not allowed\n");
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !acceptable(type)) {
            reply(ex, 415, "unsupported content type '" + type
                    + "' (use application/json, application/x-ndjson or application/jsonl"
                    + (type.toLowerCase(Locale.ROOT).contains("msgpack")
                    ? "; Fluent Bit's http output sends msgpack unless told 'Format json'" : "") + ")\n");
            return;
        }
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && parseLong(length) > config.maxBody()) {
            reply(ex, 413, "body larger than --max-body (" + config.maxBody() + " bytes)\n");
            return;
        }
        byte[] body;
        try {
            body = read(ex);
        } catch (TooLarge e) {
            reply(ex, 413, "body larger than --max-body (" + config.maxBody() + " bytes)\n");
            return;
        } catch (java.net.SocketTimeoutException e) {
            reply(ex, 408, e.getMessage() + "\n");
            return;
        } catch (NotGzip e) {
            batches.undecodable(client(ex), e.getMessage());
            reply(ex, 400, "malformed body: " + e.getMessage() + "\n");
            return;
        } catch (IOException e) {
            reply(ex, 400, "cannot read body: " + e.getMessage() + "\n");
            return;
        }
        String problem;
        evaluating.acquireUninterruptibly();
        try {
            problem = batches.handle(body, body.length, client(ex));
        } finally {
            evaluating.release();
        }
        if (problem != null) {
            reply(ex, 400, "malformed body: " + problem + "\n");
            return;
        }
        accepted.incrementAndGet();
        reply(ex, 200, "");
    }

    /** The sender as {@code 10.0.0.5:41234} ({@code [::1]:41234}), without the leading slash of InetSocketAddress's text. */
    static String client(HttpExchange ex) {
        java.net.InetSocketAddress a = ex.getRemoteAddress();
        if (a == null || a.getAddress() == null) {
            return String.valueOf(a);
        }
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static boolean acceptable(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        return t.contains("application/json") || t.contains("application/x-ndjson") || t.contains("application/jsonl")
                || t.contains("application/json-lines")
                || t.contains("application/x-www-form-urlencoded");   // curl -d's default: the body is still JSON
    }

    private boolean authorized(HttpExchange ex) {
        if (config.token() == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), config.token());
    }

    /** A body sent as gzip whose bytes are no (whole) gzip stream. */
    private static final class NotGzip extends IOException {
        NotGzip(IOException cause) {
            super("Content-Encoding gzip, but the body does not gunzip (" + cause.getMessage() + ")", cause);
        }
    }

    private static final class TooLarge extends IOException {
        TooLarge() {
            super("too large");
        }
    }

    /** The body, gunzipped if so encoded, never more than --max-body bytes (after decompression). */
    private byte[] read(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
        boolean gzip = encoding != null && encoding.toLowerCase(Locale.ROOT).contains("gzip");
        if (!gzip && encoding != null && !encoding.equalsIgnoreCase("identity")) {
            throw new IOException("unsupported Content-Encoding '" + encoding + "'");
        }
        try {
            if (gzip) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
            byte[] b = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(b)) > 0) {
                total += n;
                if (total > config.maxBody()) {
                    throw new TooLarge();
                }
                out.write(b, 0, n);
            }
            return out.toByteArray();
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            if (gzip) {
                throw new NotGzip(e);   // the sender's bytes, not the connection
            }
            throw e;
        }
    }

    private void reply(HttpExchange ex, int status, String text) throws IOException {
        if (status >= 400) {
            rejected.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            if (status != 503) {   // 503 only while shutting down
                logRejection(status, "to " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " from "
                        + client(ex) + ": " + text.strip());
            }
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        }
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
    }

    private void logRejection(int status, String what) {
        String more;
        synchronized (lastLogged) {
            long now = System.currentTimeMillis();
            long[] last = lastLogged.computeIfAbsent(status, k -> new long[] {Long.MIN_VALUE / 2, 0});
            if (now - last[0] < logEveryMillis) {
                last[1]++;
                return;
            }
            more = last[1] == 0 ? "" : String.format(" (and %,d more %d answers since the last one logged)", last[1], status);
            last[0] = now;
            last[1] = 0;
        }
        log.accept("answered " + status + " " + what + more);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
