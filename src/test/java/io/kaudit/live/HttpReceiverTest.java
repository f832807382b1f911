package io.kaudit.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The receiver on a real loopback port, with handlers that misbehave. */
class HttpReceiverTest {
    @Test
    void aFailingHandlerIsAnswered500AndTheServerGoesOn() throws Exception {
        int[] calls = {0};
        HttpReceiver r = new HttpReceiver(new HttpReceiver.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                1 << 20, null, null, 2), (body, length, client) -> {
                    if (calls[0]++ == 0) {
                        throw new IllegalStateException("boom");
                    }
                    return null;
                }, () -> "", m -> { });
        r.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + r.address().getPort() + HttpReceiver.PATH);
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest post = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            HttpResponse<String> first = client.send(post, HttpResponse.BodyHandlers.ofString());
            assertEquals(500, first.statusCode());
            assertTrue(first.body().contains("boom"));
            assertEquals(200, client.send(post, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(1, r.accepted());
        } finally {
            r.stop(1);
        }
    }

    /** A rejected request is logged with why and from where, once a minute per status at most. */
    @Test
    void rejectionsAreLoggedWithoutFlooding() throws Exception {
        java.util.List<String> log = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        HttpReceiver r = new HttpReceiver(new HttpReceiver.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                1 << 20, null, null, 2), (body, length, client) -> "line 1: not JSON", () -> "", log::add, 3_000);
        r.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + r.address().getPort() + HttpReceiver.PATH);
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest msgpack = HttpRequest.newBuilder(uri).header("Content-Type", "application/msgpack")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0x81, (byte) 0xa1, 'a', 1})).build();
            HttpResponse<String> refused = client.send(msgpack, HttpResponse.BodyHandlers.ofString());
            assertEquals(415, refused.statusCode());
            assertTrue(refused.body().contains("'Format json'"), refused.body());
            for (int i = 0; i < 5; i++) {
                assertEquals(415, client.send(msgpack, HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            HttpRequest json = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertEquals(400, client.send(json, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(2, log.size(), "one line per status within a minute: " + log);
            assertTrue(log.get(0).matches("answered 415 to POST /k8s-audit from 127\\.0\\.0\\.1:\\d+: unsupported content type "
                    + "'application/msgpack' .*Format json.*"), log.get(0));
            assertTrue(log.get(1).contains("answered 400") && log.get(1).endsWith("malformed body: line 1: not JSON"), log.get(1));
            assertEquals(6, r.rejected().get(415).get(), "all counted for /metrics");
            Thread.sleep(3_100);   // past the interval: the next one is logged with the count it held back
            assertEquals(415, client.send(msgpack, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(3, log.size(), log.toString());
            assertTrue(log.get(2).startsWith("answered 415") && log.get(2).endsWith("(and 5 more 415 answers since the last one logged)"),
                    log.get(2));
        } finally {
            r.stop(1);
        }
    }

    private static HttpReceiver receiver(HttpReceiver.Config c) throws Exception {
        HttpReceiver r = new HttpReceiver(c, (body, length, client) -> null, () -> "", m -> { });
        r.start();
        return r;
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Reads what the server answers on {@code s} up to its close (or 5 s), as text. */
    private static String answer(java.net.Socket s) throws Exception {
        s.setSoTimeout(5000);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try {
            s.getInputStream().transferTo(b);
        } catch (java.io.IOException e) {
            // reset or timeout: what came is the answer
        }
        return b.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Slowloris: 100 connections dribbling headers and 100 dribbling a body, one byte per 100 ms each,
     * on a receiver of 2 request threads; a normal POST still gets its 200 within a second.
     */
    @Test
    void slowClientsDoNotDelayANormalPost() throws Exception {
        HttpReceiver r = receiver(new HttpReceiver.Config(loopback(), 1 << 20, null, null, 2));
        java.util.List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            int port = r.address().getPort();
            for (int i = 0; i < 200; i++) {
                java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
                String head = i % 2 == 0 ? "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nX-Slow: "
                        : "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
                s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            java.util.concurrent.atomic.AtomicBoolean dribbling = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread dribbler = new Thread(() -> {
                while (dribbling.get()) {
                    for (java.net.Socket s : slow) {
                        try {
                            s.getOutputStream().write('a');
                            s.getOutputStream().flush();
                        } catch (java.io.IOException e) {
                            // closed by the server: fine
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            dribbler.setDaemon(true);
            dribbler.start();
            Thread.sleep(500);   // every slow client is in
            HttpClient client = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
            URI uri = URI.create("http://127.0.0.1:" + port + HttpReceiver.PATH);
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> ok = client.send(HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(200, ok.statusCode());
                assertTrue(ms < 1000, "a normal POST took " + ms + " ms behind 200 slow clients");
            }
            dribbling.set(false);
            dribbler.join();
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
            r.stop(1);
        }
    }

    /** Headers or a body too slow are answered 408; more connections than the cap are answered 503; all counted. */
    @Test
    void deadlinesAndTheConnectionCapAreAnsweredAndCounted() throws Exception {
        HttpReceiver r = receiver(new HttpReceiver.Config(loopback(), 1 << 20, null, null, 2, 4, 600, 1200));
        int port = r.address().getPort();
        java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
        try (java.net.Socket slowHead = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
             java.net.Socket slowBody = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            long t0 = System.nanoTime();
            slowHead.getOutputStream().write("POST /k8s-audit HTTP/1.1\r\nHost: x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            slowBody.getOutputStream().write(("POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = answer(slowHead);
            assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "answered at the deadline");
            String body = answer(slowBody);
            assertTrue(body.startsWith("HTTP/1.1 408 "), body);
            for (int i = 0; i < 4; i++) {
                held.add(new java.net.Socket(InetAddress.getLoopbackAddress(), port));
            }
            Thread.sleep(200);
            try (java.net.Socket over = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                over.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String busy = answer(over);
                assertTrue(busy.startsWith("HTTP/1.1 503 "), busy);
            }
            for (java.net.Socket s : held) {
                s.close();
            }
            Thread.sleep(300);
            try (java.net.Socket big = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                big.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String tooBig = answer(big);
                assertTrue(tooBig.startsWith("HTTP/1.1 431 "), tooBig);
            }
            try (java.net.Socket smuggle = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                smuggle.getOutputStream().write(("POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String no = answer(smuggle);
                assertTrue(no.startsWith("HTTP/1.1 400 "), no);
            }
            assertEquals(2, r.rejected().get(408).get(), "/metrics counts the server's own refusals");
            assertEquals(1, r.rejected().get(503).get());
            assertEquals(1, r.rejected().get(431).get());
            assertEquals(1, r.rejected().get(400).get());
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
            r.stop(1);
        }
    }

    /** Keep-alive, a chunked body, Expect: 100-continue and HTTP/1.0 on one raw connection each. */
    @Test
    void http11FramingByHand() throws Exception {
        java.util.List<String> bodies = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        HttpReceiver r = new HttpReceiver(new HttpReceiver.Config(loopback(), 1 << 20, null, null, 2),
                (body, length, client) -> {
                    bodies.add(new String(body, 0, length, java.nio.charset.StandardCharsets.UTF_8));
                    return null;
                }, () -> "m 1\n", m -> { });
        r.start();
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), r.address().getPort())) {
            s.getOutputStream().write(("POST /k8s-audit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\n{\"a\r\n4;ext=1\r\n\":1}\r\n0\r\n\r\n"
                    + "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(5000);
            java.io.InputStream in = s.getInputStream();
            String got = "";
            while (!got.contains("100 Continue")) {
                int c = in.read();
                assertTrue(c >= 0, got);
                got += (char) c;
            }
            s.getOutputStream().write("{}GET /metrics HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = got + answer(s);
            assertEquals(3, all.split("HTTP/1.1 200 ", -1).length - 1, all);
            assertTrue(all.endsWith("m 1\n"), all);
            assertEquals(java.util.List.of("{\"a\":1}", "{}"), bodies);
        } finally {
            r.stop(1);
        }
    }
}
