package io.kaudit.source;

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
                }, () -> "");
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
}
