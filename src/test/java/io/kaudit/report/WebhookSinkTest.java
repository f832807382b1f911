package io.kaudit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.kaudit.engine.Alert;
import io.kaudit.event.Location;
import io.kaudit.rule.Priority;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Webhook delivery against a real receiver on loopback that is slow or refuses. */
class WebhookSinkTest {
    private static Alert alert(int n) {
        return new Alert(1_000_000_000L * n, "Rule " + n, Priority.WARNING, "k8s_audit", List.of("k8s"), "out", "msg",
                Map.of(), "host", new Location("f", n, -1), "id" + n, "desc");
    }

    private interface Handler {
        int status(String body) throws Exception;
    }

    private static HttpServer receiver(Handler h) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                ex.sendResponseHeaders(h.status(new String(in.readAllBytes())), -1);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            }
        });
        s.start();
        return s;
    }

    private static URI url(HttpServer s) {
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/");
    }

    @Test
    void aSlowReceiverNeverStallsTheCallerAndOverflowIsCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        HttpServer s = receiver(body -> {
            release.await(30, TimeUnit.SECONDS);   // stuck until the test lets go
            got.add(body);
            return 200;
        });
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        WebhookSink sink = new WebhookSink(url(s), 5, log::add);
        try {
            long t0 = System.nanoTime();
            for (int i = 1; i <= 50; i++) {
                sink.alert(alert(i));
            }
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 1000, "handing alerts over does not wait for the receiver");
            // one alert in flight, five queued: the rest are dropped and counted
            assertTrue(sink.dropped() >= 43 && sink.dropped() <= 45, "dropped " + sink.dropped());
            assertTrue(log.stream().anyMatch(m -> m.contains("queue full")), log.toString());
            release.countDown();
            sink.close(10_000);
            assertEquals(50 - sink.dropped(), got.size());
            assertEquals(got.size(), sink.sent());
            assertTrue(got.get(0).contains("\"rule\":\"Rule 1\""), got.get(0));
        } finally {
            s.stop(0);
        }
    }

    @Test
    void refusedAlertsAreRetriedThenCounted() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = receiver(body -> {
            calls.incrementAndGet();
            return 503;
        });
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        WebhookSink sink = new WebhookSink(url(s), 10, log::add);
        try {
            sink.alert(alert(1));
            sink.close(20_000);
            assertEquals(1, sink.failed());
            assertEquals(0, sink.sent());
            assertEquals(5, calls.get(), "five attempts");
            assertEquals(4, sink.retries());
            assertTrue(log.stream().anyMatch(m -> m.contains("not delivered (HTTP 503)")), log.toString());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void closingRightAfterAnAlertStillDeliversIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = receiver(body -> {
            calls.incrementAndGet();
            return 200;
        });
        try {
            for (int i = 0; i < 200; i++) {
                WebhookSink sink = new WebhookSink(url(s), 10, m -> { });
                sink.alert(alert(i));
                sink.close(10_000);   // at once: the alert may be between the queue and the wire
                assertEquals(1, sink.sent() + sink.failed(), "round " + i);
                assertEquals(1, sink.sent(), "round " + i);
            }
            assertEquals(200, calls.get());
        } finally {
            s.stop(0);
        }
    }
}
