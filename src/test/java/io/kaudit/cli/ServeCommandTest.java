package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.kaudit.Kaudit;
import io.kaudit.bench.LogGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaudit serve as a real process on a free loopback port, with a real HTTP client and receiver. */
class ServeCommandTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (https?://[^ ]+)");

    @TempDir
    Path dir;

    private Process server;
    private Path console;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts kaudit serve on a free port; returns its /k8s-audit URL. */
    private URI start(String... extra) throws Exception {
        return startWriting("jsonl", dir.resolve("stdout.jsonl"), extra);
    }

    /** The same, writing alerts in {@code format} to {@code out}. */
    private URI startWriting(String format, Path out, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main", "serve",
                "-f", format, "-o", out.toString()));
        if (!List.of(extra).contains("--listen")) {
            cmd.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        cmd.addAll(List.of(extra));
        console = dir.resolve("serve.txt");
        server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            Matcher m = LISTENING.matcher(Files.exists(console) ? Files.readString(console) : "");
            if (m.find()) {
                return URI.create(m.group(1));
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

    private HttpResponse<String> post(URI uri, byte[] body, String type, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private void stop() throws InterruptedException {
        server.destroy();   // SIGTERM
        assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, server.exitValue(), read(console));
    }

    /** A local stand-in for Falcosidekick: records bodies, failing the first {@code failures} posts. */
    private static final class Receiver implements AutoCloseable {
        final HttpServer http;
        final List<String> bodies = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger failuresLeft;

        Receiver(int failures) throws IOException {
            failuresLeft = new AtomicInteger(failures);
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/", ex -> {
                try (ex; InputStream in = ex.getRequestBody()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (failuresLeft.getAndDecrement() > 0) {
                        ex.sendResponseHeaders(503, -1);
                        return;
                    }
                    bodies.add(body);
                    ex.sendResponseHeaders(200, -1);
                }
            });
            http.start();
        }

        String url() {
            return "http://127.0.0.1:" + http.getAddress().getPort() + "/";
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    @Test
    void batchesInEveryShapeGiveExactlyTheAlertsOfAScan() throws Exception {
        LogGenerator gen = new LogGenerator(11, LogGenerator.attacks(Path.of("samples")), 25);
        List<String> all = new ArrayList<>();
        try (Receiver sidekick = new Receiver(3)) {
            URI uri = start("--webhook", sidekick.url());
            int valid = 0;
            for (int batch = 0; batch < 12; batch++) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 250; i++) {
                    events.add(gen.next());
                }
                all.addAll(events);
                HttpResponse<String> r = switch (batch % 4) {
                    case 0 -> post(uri, ("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":["
                            + String.join(",", events) + "]}").getBytes(StandardCharsets.UTF_8), "application/json");
                    case 1 -> post(uri, ("[" + String.join(",", events) + "]").getBytes(StandardCharsets.UTF_8),
                            "application/json; charset=utf-8");
                    case 2 -> post(uri, String.join("\n", events).getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
                    default -> post(uri, gzip(String.join("\n", events).getBytes(StandardCharsets.UTF_8)), null,
                            "Content-Encoding", "gzip");
                };
                assertEquals(200, r.statusCode(), r.body());
                valid++;
                HttpResponse<String> bad = post(uri, ("{\"kind\":\"EventList\",\"items\":[" + events.get(0))
                        .getBytes(StandardCharsets.UTF_8), "application/json");
                assertEquals(400, bad.statusCode());
                assertTrue(bad.body().contains("malformed body"), bad.body());
            }
            assertEquals(12, valid);
            // gzip that does not gunzip is a malformed body too, counted as one
            byte[] cut = gzip(all.get(0).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> notGzip = post(uri, java.util.Arrays.copyOf(cut, cut.length / 2), "application/json",
                    "Content-Encoding", "gzip");
            assertEquals(400, notGzip.statusCode());
            assertTrue(notGzip.body().contains("malformed body: Content-Encoding gzip, but the body does not gunzip"),
                    notGzip.body());
            Path everything = dir.resolve("all.log");
            Files.write(everything, all, StandardCharsets.UTF_8);
            Map<String, Integer> expected = ScanInputsTest.perRule(Kaudit.run("scan", "-q", "-f", "jsonl", everything.toString()));
            assertTrue(expected.values().stream().mapToInt(Integer::intValue).sum() > 50);

            long end = System.currentTimeMillis() + 20_000;
            int want = expected.values().stream().mapToInt(Integer::intValue).sum();
            while (sidekick.bodies.size() < want && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            String metrics = client.send(HttpRequest.newBuilder(uri.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            stop();
            assertEquals(expected, ScanInputsTest.perRule(new Kaudit.Outcome(0,
                    Files.readString(dir.resolve("stdout.jsonl")), "")), "stdout");
            assertTrue(Files.readString(dir.resolve("stdout.jsonl")).contains("\"path\":\"http:127.0.0.1:"),
                    "an alert is placed at its sender, host:port");
            assertEquals(expected, ScanInputsTest.perRule(new Kaudit.Outcome(0, String.join("\n", sidekick.bodies), "")),
                    "webhook, after retries");
            for (String body : sidekick.bodies) {
                for (String key : List.of("\"output\"", "\"priority\"", "\"rule\"", "\"time\"", "\"output_fields\"",
                        "\"source\"", "\"tags\"")) {
                    assertTrue(body.contains(key), key + " in " + body);
                }
            }
            assertTrue(metrics.contains("kaudit_events_total 3000"), metrics);
            assertTrue(metrics.contains("kaudit_malformed_bodies_total 13"), metrics);
            assertTrue(metrics.contains("kaudit_rejected_requests_total{code=\"400\"} 13"), metrics);
            assertTrue(metrics.matches("(?s).*kaudit_webhook_retries_total\\{url=\"[^\"]+\"} [1-9].*"), metrics);
        }
    }

    /** A SARIF document is written whole when serve stops, holding what it received. */
    @Test
    void sarifIsCompletedOnStop() throws Exception {
        Path out = dir.resolve("alerts.sarif");
        URI uri = startWriting("sarif", out);
        String event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0);
        assertEquals(200, post(uri, event.getBytes(StandardCharsets.UTF_8), "application/json").statusCode());
        stop();
        com.fasterxml.jackson.databind.JsonNode run = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.toFile()).get("runs").get(0);
        assertEquals("Privileged Container Started", run.get("results").get(0).get("ruleId").asText());
        assertEquals(1, run.get("properties").get("events").asInt());
    }

    /** serve says at its stop what the events it received let rules see, as scan does at its end. */
    @Test
    void aStopSaysWhatMetadataOnlyEventsHidFromTheRules() throws Exception {
        URI uri = start();
        String event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0)
                .replace("\"level\":\"RequestResponse\"", "\"level\":\"Metadata\"");
        assertEquals(200, post(uri, event.getBytes(StandardCharsets.UTF_8), "application/json").statusCode());
        stop();
        assertTrue(read(console).contains("what this log lets rules see: only Metadata events: "), read(console));
    }

    @Test
    void everyStatusCode() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret\n");
        URI uri = start("--token-file", token.toString(), "--max-body", "64KiB");
        byte[] event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0).getBytes(StandardCharsets.UTF_8);
        String[] auth = {"Authorization", "Bearer s3cret"};
        assertEquals(401, post(uri, event, "application/json").statusCode());
        assertEquals(401, post(uri, event, "application/json", "Authorization", "Bearer nope").statusCode());
        assertEquals(200, post(uri, event, "application/json", auth).statusCode());
        assertEquals(200, post(uri, event, null, auth).statusCode(), "no content type: the body tells");
        assertEquals(200, post(uri, event, "application/jsonl", auth).statusCode());
        assertEquals(415, post(uri, event, "text/plain", auth).statusCode());
        assertEquals(400, post(uri, "{\"kind\": 0}".getBytes(StandardCharsets.UTF_8), "application/json", auth).statusCode());
        String good = new String(event, StandardCharsets.UTF_8);
        HttpResponse<String> half = post(uri, ("[\n  " + good + ",\n  {\"kind\": \"Event\",, }\n]\n").getBytes(StandardCharsets.UTF_8),
                "application/json", auth);
        assertEquals(400, half.statusCode(), "a pretty-printed batch with one broken element is refused whole");
        assertTrue(half.body().contains("line 3"), half.body());
        assertEquals(400, post(uri, new byte[0], "application/json", auth).statusCode());
        assertEquals(413, post(uri, new byte[100_000], "application/json", auth).statusCode());
        assertEquals(413, post(uri, gzip(new byte[1_000_000]), "application/json", "Content-Encoding", "gzip",
                auth[0], auth[1]).statusCode(), "the limit applies after decompression");
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(uri).header(auth[0], auth[1]).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals(200, client.send(HttpRequest.newBuilder(uri.resolve("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(401, client.send(HttpRequest.newBuilder(uri.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        String metrics = client.send(HttpRequest.newBuilder(uri.resolve("/metrics")).header(auth[0], auth[1]).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("kaudit_rejected_requests_total{code=\"401\"} 3"), metrics);
        assertTrue(metrics.contains("kaudit_alerts_total{priority=\"Warning\"} 3"), metrics);
        assertEquals(404, client.send(HttpRequest.newBuilder(uri.resolve("/other")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        stop();
        assertTrue(read(console).contains("stopped;"));
    }

    @Test
    void servesTlsFromPemFiles() throws Exception {
        Path p12 = dir.resolve("k.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "k", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", "changeit").redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, keytool.exitValue());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        Certificate cert = ks.getCertificate("k");
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path certFile = dir.resolve("tls.crt");
        Path keyFile = dir.resolve("tls.key");
        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\n" + pem.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + pem.encodeToString(ks.getKey("k", "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");

        URI uri = start("--tls-cert", certFile.toString(), "--tls-key", keyFile.toString());
        assertEquals("https", uri.getScheme());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("k", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient tlsClient = HttpClient.newBuilder().sslContext(ctx).build();
        byte[] event = Files.readAllLines(Path.of("samples", "privileged-pod.log")).get(0).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = tlsClient.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(event)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        stop();
        assertTrue(Files.readString(dir.resolve("stdout.jsonl")).contains("Privileged Container Started"));
    }

    @Test
    void warnsWithoutTlsOffLoopback() throws Exception {
        start("--listen", "0.0.0.0:0");   // bound on every interface; the test talks to loopback only
        assertTrue(read(console).matches("(?s).*warning: listening on 0\\.0\\.0\\.0:\\d+ without TLS.*"), read(console));
        stop();
        start();
        assertTrue(!read(console).contains("without TLS"), "no warning on loopback: " + read(console));
        stop();
    }

    @Test
    void rejectsBadOptions() {
        assertEquals(2, Kaudit.run("serve", "--listen", "nonsense").code());
        assertEquals(2, Kaudit.run("serve", "--tls-cert", "x.pem").code());
    }
}
