package io.kaudit.report;

import io.kaudit.engine.Alert;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Posts each alert as Falco's JSON alert to a URL (Falcosidekick accepts it on {@code POST /}).
 * A bounded queue decouples ingestion from a slow receiver: when it is full the alert is dropped
 * and counted, never silently. Failed posts are retried with exponential backoff, then counted.
 */
public final class WebhookSink implements Sink, AutoCloseable {
    private static final int MAX_ATTEMPTS = 5;
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 3000;

    private final URI url;
    private final HttpClient client;
    private final BlockingQueue<String> queue;
    private final Consumer<String> log;
    private final Thread sender;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    /** Alerts handed over and not yet sent or given up (queued, or being delivered). */
    private final AtomicLong pending = new AtomicLong();
    private volatile boolean closing;
    /** Wait for room rather than drop (consume: Kafka holds the records, so back-pressure loses nothing). */
    private final boolean blocking;

    public WebhookSink(URI url, int capacity, Consumer<String> log) {
        this(url, capacity, log, false);
    }

    public WebhookSink(URI url, int capacity, Consumer<String> log, boolean blocking) {
        this.blocking = blocking;
        this.url = url;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.log = log;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.sender = new Thread(this::run, "kaudit-webhook");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    public URI url() {
        return url;
    }

    @Override
    public void alert(Alert a) {
        pending.incrementAndGet();   // before the offer: the sender may take it at once
        String body = AlertJson.toJson(a);
        if (blocking) {
            try {
                queue.put(body);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();   // stopping: counted as dropped below
            }
        }
        if (!queue.offer(body)) {
            pending.decrementAndGet();
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log.accept("webhook " + url + ": queue full, " + n + " alert(s) dropped so far");
            }
        }
    }

    private void run() {
        while (!closing || !queue.isEmpty()) {
            String body;
            try {
                body = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (body == null) {
                continue;
            }
            try {
                deliver(body);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void deliver(String body) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long backoff = FIRST_BACKOFF_MILLIS;
        String problem = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    sent.incrementAndGet();
                    return;
                }
                problem = "HTTP " + r.statusCode();
                if (r.statusCode() / 100 == 4 && r.statusCode() != 408 && r.statusCode() != 429) {
                    break;   // the receiver refuses this alert: retrying will not help
                }
            } catch (java.io.IOException e) {
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < MAX_ATTEMPTS) {
                retries.incrementAndGet();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
        failed.incrementAndGet();
        log.accept("webhook " + url + ": alert not delivered (" + problem + ")");
    }

    /** Waits until every alert handed over was delivered or given up after its retries; false on timeout. */
    public boolean awaitDelivered(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (pending.get() > 0) {
            if (System.currentTimeMillis() >= end) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Sends what is queued (up to {@code millis}), then stops. */
    public void close(long millis) {
        closing = true;
        long end = System.currentTimeMillis() + millis;
        while (pending.get() > 0 && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sender.interrupt();
    }

    @Override
    public void close() {
        close(5000);
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    public long dropped() {
        return dropped.get();
    }

    public long retries() {
        return retries.get();
    }

    public int queueDepth() {
        return queue.size();
    }
}
