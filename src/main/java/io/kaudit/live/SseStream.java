package io.kaudit.live;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One browser's stream of Server-Sent Events, written by its own thread from a bounded queue.
 * Publishing never waits: when a browser reads too slowly and its queue fills, it loses its stream
 * (and only it; its EventSource reconnects and is replayed what the UI still keeps).
 */
final class SseStream implements Runnable {
    static final int QUEUE = 1024;
    /** How often a quiet stream sends the counters (also a keep-alive through proxies). */
    static final long STATS_EVERY_MS = 2000;

    private final HttpExchange ex;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Supplier<String> stats;
    private final Runnable ended;
    private volatile boolean dead;

    SseStream(HttpExchange ex, Supplier<String> stats, Runnable ended) {
        this.ex = ex;
        this.stats = stats;
        this.ended = ended;
    }

    /** Queues one event frame; false (and the stream is over) when the browser is too far behind. */
    boolean offer(String frame) {
        if (dead) {
            return false;
        }
        if (!queue.offer(frame)) {
            dead = true;
            return false;
        }
        return true;
    }

    boolean dead() {
        return dead;
    }

    void stop() {
        dead = true;
    }

    @Override
    public void run() {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("X-Accel-Buffering", "no");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!dead) {
                String frame = queue.poll(STATS_EVERY_MS, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    frame = "event: stats\ndata: " + stats.get() + "\n\n";
                }
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            dead = true;
            ended.run();
        }
    }
}
