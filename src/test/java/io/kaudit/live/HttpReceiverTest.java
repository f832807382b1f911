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
            assertTrue(log.get(0).matches("answered 415 to POST /k8s-audit from /127\\.0\\.0\\.1:\\d+: unsupported content type "
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
}
