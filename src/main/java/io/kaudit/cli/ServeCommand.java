package io.kaudit.cli;

import io.kaudit.engine.Engine;
import io.kaudit.engine.RunStats;
import io.kaudit.event.Location;
import io.kaudit.live.HttpReceiver;
import io.kaudit.live.LiveUi;
import io.kaudit.live.PemFiles;
import io.kaudit.report.Sink;
import io.kaudit.report.Tee;
import io.kaudit.report.WebhookSink;
import io.kaudit.rule.Priority;
import io.kaudit.rule.RuleSet;
import io.kaudit.run.BatchEvaluator;
import io.kaudit.run.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kaudit serve}: a drop-in for Falco's /k8s-audit endpoint, forwarding alerts to webhooks. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Receive audit events over HTTP (POST /k8s-audit, as Falco does) and raise alerts.",
            "Bodies: Event, EventList, JSON array, NDJSON, Fluent Bit json/json_lines records; gzip allowed.",
            "200 once a batch is evaluated and its alerts handed on; 400 malformed, 401 token, 405 method,",
            "413 too large, 415 content type; 408 headers or body too slow, 431 headers too large,",
            "503 too many connections. GET /healthz and GET /metrics (Prometheus)."},
        footer = {"", "Examples:", "  kaudit serve --listen 0.0.0.0:8765 --tls-cert tls.crt --tls-key tls.key -f jsonl",
            "  kaudit serve --webhook http://falcosidekick:2801/ --token-file /etc/kaudit/token",
            "", "Stops on SIGINT/SIGTERM after finishing batches in flight (exit 0)."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    RuleOptions ruleOptions = new RuleOptions();

    @Mixin
    OutputOptions outputOptions = new OutputOptions();

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen = "127.0.0.1:8765";

    @Mixin
    WebhookOptions webhookOptions = new WebhookOptions();

    @Option(names = "--max-body", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
            description = "Largest request body, after decompression (default: 16MiB).")
    long maxBody = 16L << 20;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate (chain).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key for --tls-cert (PKCS#8 or RSA).")
    Path tlsKey;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer <token>' with the token in FILE.")
    Path tokenFile;

    @Option(names = "--ui", description = "Serve the live alert UI at /ui (same listener, TLS and token) and GET /api/alerts?since=T.")
    boolean ui;

    @Option(names = "--ui-keep", paramLabel = "N", description = "Alerts the live UI keeps in memory (default: ${DEFAULT-VALUE}).")
    int uiKeep = 10_000;

    @Option(names = "--threads", paramLabel = "N", converter = Converters.ThreadsConverter.class, description = "Request threads (default: two per core).")
    int threads = 2 * Runtime.getRuntime().availableProcessors();

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Connections served at once; more are answered 503 (default: ${DEFAULT-VALUE}).")
    int maxConnections = 512;

    @Option(names = "--header-timeout", paramLabel = "SECONDS",
            description = "A request's line and headers must arrive within this, else 408 (default: ${DEFAULT-VALUE}).")
    double headerTimeout = 10;

    @Option(names = "--request-timeout", paramLabel = "SECONDS",
            description = "A whole request, body included, must arrive within this, else 408 (default: ${DEFAULT-VALUE}).")
    double requestTimeout = 60;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** 0, or 2 once alerts could not be written: the server then stops rather than lose them. */
    private volatile int exitCode;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (maxConnections < 1 || headerTimeout <= 0 || requestTimeout < headerTimeout) {
            err.println("kaudit: --max-connections must be at least 1, --header-timeout above 0 and --request-timeout "
                    + "at least --header-timeout");
            return 2;
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            err.println("kaudit: --tls-cert and --tls-key go together");
            return 2;
        }
        InetSocketAddress address;
        SSLContext tls;
        byte[] token;
        try {
            address = parseListen(listen);
            tls = tlsCert == null ? null : PemFiles.sslContext(tlsCert, tlsKey);
            token = tokenFile == null ? null : Files.readString(tokenFile, StandardCharsets.UTF_8).trim()
                    .getBytes(StandardCharsets.UTF_8);
            if (token != null && token.length == 0) {
                throw new IOException(tokenFile + ": empty token");
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("kaudit: " + e.getMessage());
            return 2;
        }
        RuleSet rules = ruleOptions.loadOrReport(err);
        if (rules == null) {
            return 2;
        }
        Engine engine = new Engine(rules, ruleOptions.selection());
        Writer out = outputOptions.openLive(spec.commandLine().getOut());
        outputOptions.inputs = List.of("http " + listen);
        List<Sink> sinks = new ArrayList<>(List.of(outputOptions.sink(out, true)));
        List<WebhookSink> hooks = webhookOptions.sinks(m -> log(err, m), false);
        sinks.addAll(hooks);
        LiveUi liveUi = ui ? new LiveUi(engine.activeRules(), uiKeep, token, tls != null, Version.VERSION) : null;
        if (liveUi != null) {
            sinks.add(liveUi::alert);   // never waits for a browser
        }
        Run run = new Run(engine, Tee.of(sinks), ruleOptions.correlator(engine), out);
        run.begin();
        Delivery delivery = new Delivery(run, new BatchEvaluator(run, outputOptions.projection(rules.projection())), hooks,
                liveUi, err);
        HttpReceiver receiver;
        try {
            receiver = new HttpReceiver(new HttpReceiver.Config(address, maxBody, tls, token, threads,
                    maxConnections, (long) (headerTimeout * 1000), (long) (requestTimeout * 1000)), delivery,
                    delivery::metrics, m -> log(err, m));
        } catch (IOException e) {
            err.println("kaudit: cannot listen on " + listen + ": " + e.getMessage());
            return 2;
        }
        delivery.receiver = receiver;
        if (liveUi != null) {
            receiver.routes(liveUi);
        }
        // before "listening" is said: a SIGTERM sent on reading it must find the hook (else exit 143)
        StopHook stop = new StopHook(() -> {
            delivery.stop();
            delivery.stopped.countDown();   // call() then hands the hook its exit code
        }, 5);
        receiver.start();
        String where = hostPort(receiver.address());
        if (tls == null && !address.getAddress().isLoopbackAddress()) {
            log(err, "warning: listening on " + where + " without TLS: audit events (secrets, tokens) travel in clear text");
        }
        log(err, "listening on " + (tls == null ? "http" : "https") + "://" + where
                + HttpReceiver.PATH + " (" + engine.activeRules().size() + " rules"
                + (hooks.isEmpty() ? "" : ", " + hooks.size() + " webhook(s)") + (token == null ? "" : ", token required") + ")");
        if (liveUi != null) {
            log(err, "live UI at " + (tls == null ? "http" : "https") + "://" + where + "/ui"
                    + (token == null ? "" : " (open /ui?token=TOKEN once; a cookie keeps it)"));
        }
        delivery.stopped.await();   // released only by the JVM stopping
        stop.finished(exitCode);   // a clean stop on SIGINT/SIGTERM is exit 0
        return exitCode;
    }

    /** Evaluated batches into the run, the counters /metrics shows, and the stop. */
    private final class Delivery implements HttpReceiver.Batches {
        private final Run run;
        private final BatchEvaluator batches;
        private final List<WebhookSink> hooks;
        private final LiveUi ui;
        private final PrintWriter err;
        private volatile HttpReceiver receiver;
        /** Released once the stop has finished the run. */
        final CountDownLatch stopped = new CountDownLatch(1);

        Delivery(Run run, BatchEvaluator batches, List<WebhookSink> hooks, LiveUi ui, PrintWriter err) {
            this.run = run;
            this.batches = batches;
            this.hooks = hooks;
            this.ui = ui;
            this.err = err;
        }

        /** How alerts and malformed bodies name a sender. */
        private static String source(String client) {
            return "http:" + client;
        }

        @Override
        public void undecodable(String client, String problem) {
            run.malformed(new Location(source(client), 1, -1), problem);
        }

        /** Evaluates a body; its alerts go out together and in order. Null, or why it is malformed. */
        @Override
        public String handle(byte[] body, int length, String client) {
            String source = source(client);
            BatchEvaluator.Batch b = batches.evaluate(body, length, source);
            if (b.problem() != null) {
                run.malformed(new Location(source, Math.max(1, b.line()), -1), b.problem());
                return b.message();
            }
            synchronized (run.stats()) {   // one batch's alerts together, in order
                run.read(0, length, b.events());
                if (ui != null) {
                    ui.events(b.events());
                }
                try {
                    run.alerts(b.alerts());
                    run.flush();
                } catch (IOException | java.io.UncheckedIOException e) {
                    // the sender gets a 500 and keeps the batch; we stop rather than answer 200 for lost alerts
                    String why = e instanceof java.io.UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
                    if (exitCode == 0) {
                        exitCode = 2;
                        log(err, why + "; stopping");
                        new Thread(() -> System.exit(2), "kaudit-write-failed").start();
                    }
                    throw new IllegalStateException(why, e);
                }
            }
            return null;
        }

        String metrics() {
            return ServeCommand.this.metrics(run.stats(), receiver, hooks) + (ui == null ? "" : ui.metrics());
        }

        /** Finishes batches in flight, judges open correlation windows, gives webhooks time to drain, flushes. */
        void stop() {
            if (ui != null) {
                ui.stop();
            }
            if (receiver != null) {
                receiver.stop(10);
            }
            try {
                run.end();   // windows still open at the stop are judged, their alerts handed on
            } catch (RuntimeException e) {
                log(err, "cannot write alerts: " + e.getMessage());
            }
            for (WebhookSink h : hooks) {
                h.close(5000);
            }
            try {
                run.finish();   // closes a json/sarif document, writes the summary
            } catch (IOException | RuntimeException e) {
                log(err, "cannot write alerts: " + e.getMessage());
            }
            synchronized (run.stats()) {
                log(err, "stopped; " + run.stats().summary());
                LogVisibility.line(run.stats()).ifPresent(l -> log(err, l));
            }
        }
    }

    private String metrics(RunStats stats, HttpReceiver r, List<WebhookSink> hooks) {
        StringBuilder sb = new StringBuilder();
        long malformedBodies;
        synchronized (stats) {
            malformedBodies = stats.malformed;
            counter(sb, "kaudit_events_total", "Audit events received and evaluated.", stats.events);
            sb.append("# HELP kaudit_alerts_total Alerts raised, by priority.\n# TYPE kaudit_alerts_total counter\n");
            for (Priority p : Priority.values()) {
                sb.append("kaudit_alerts_total{priority=\"").append(p.falcoName()).append("\"} ")
                        .append(stats.alertsByPriority.getOrDefault(p, 0L)).append('\n');
            }
        }
        counter(sb, "kaudit_batches_total", "Request bodies accepted.", r.accepted());
        sb.append("# HELP kaudit_http_connections HTTP connections open now.\n# TYPE kaudit_http_connections gauge\n")
                .append("kaudit_http_connections ").append(r.connections()).append('\n');
        counter(sb, "kaudit_malformed_bodies_total", "Request bodies rejected as malformed.", malformedBodies);
        sb.append("# HELP kaudit_rejected_requests_total Requests answered with an error, by status.\n")
                .append("# TYPE kaudit_rejected_requests_total counter\n");
        for (Map.Entry<Integer, AtomicLong> e : new java.util.TreeMap<>(r.rejected()).entrySet()) {
            sb.append("kaudit_rejected_requests_total{code=\"").append(e.getKey()).append("\"} ").append(e.getValue().get())
                    .append('\n');
        }
        String[][] hookMetrics = {{"kaudit_webhook_sent_total", "Alerts delivered to a webhook.", "counter"},
            {"kaudit_webhook_failures_total", "Alerts a webhook did not take after retries.", "counter"},
            {"kaudit_webhook_dropped_total", "Alerts dropped because a webhook's queue was full.", "counter"},
            {"kaudit_webhook_retries_total", "Retried webhook posts.", "counter"},
            {"kaudit_webhook_queue_depth", "Alerts waiting for a webhook.", "gauge"}};
        for (String[] m : hookMetrics) {
            sb.append("# HELP ").append(m[0]).append(' ').append(m[1]).append("\n# TYPE ").append(m[0]).append(' ')
                    .append(m[2]).append('\n');
            for (WebhookSink h : hooks) {
                long v = switch (m[0]) {
                    case "kaudit_webhook_sent_total" -> h.sent();
                    case "kaudit_webhook_failures_total" -> h.failed();
                    case "kaudit_webhook_dropped_total" -> h.dropped();
                    case "kaudit_webhook_retries_total" -> h.retries();
                    default -> h.queueDepth();
                };
                sb.append(m[0]).append("{url=\"").append(h.url().toString().replace("\"", "%22")).append("\"} ").append(v)
                        .append('\n');
            }
        }
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void log(PrintWriter err, String message) {
        synchronized (err) {
            err.println("kaudit: " + message);
            err.flush();
        }
    }

    static InetSocketAddress parseListen(String s) throws IOException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + s + "'");
        }
        String host = s.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen: bad port in '" + s + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen: port out of range in '" + s + "'");
        }
        return new InetSocketAddress(host.isEmpty() ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName(host), port);
    }

    /** The bound address as a URL authority; the wildcard address is shown as 0.0.0.0. */
    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().isAnyLocalAddress() ? "0.0.0.0" : a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
