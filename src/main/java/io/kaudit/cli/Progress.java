package io.kaudit.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress line on stderr for long scans: bytes read of the total, rate and time left. Drawn
 * from a daemon thread every 200 ms, only after the first second, and erased at the end.
 */
final class Progress implements AutoCloseable {
    private final PrintWriter err;
    private final AtomicLong done;
    private final long total;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean drawn;

    Progress(PrintWriter err, AtomicLong done, long total, boolean enabled) {
        this.err = err;
        this.done = done;
        this.total = total;
        this.thread = new Thread(this::loop, "kaudit-progress");
        this.thread.setDaemon(true);
        if (enabled) {
            thread.start();
        }
    }

    private void loop() {
        try {
            Thread.sleep(1000);
            while (running) {
                draw();
                Thread.sleep(200);
            }
        } catch (InterruptedException ignored) {
            // closing
        }
    }

    private synchronized void draw() {
        if (!running) {
            return;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long d = done.get();
        double rate = d / 1048576.0 / Math.max(secs, 1e-3);
        StringBuilder sb = new StringBuilder("\r");
        if (total > 0) {
            double f = Math.min(1.0, (double) d / total);
            int width = 30;
            int filled = (int) (f * width);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
            sb.append(String.format("%3.0f%% %s/%s %.1f MiB/s", f * 100, mib(d), mib(total), rate));
            if (rate > 0 && f < 1) {
                long left = (long) ((total - d) / 1048576.0 / rate);
                sb.append(String.format(" %d:%02d left", left / 60, left % 60));
            }
        } else {
            sb.append(String.format("%s read, %.1f MiB/s", mib(d), rate));
        }
        sb.append("\u001b[K");
        err.print(sb);
        err.flush();
        drawn = true;
    }

    private static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / 1048576.0);
    }

    @Override
    public synchronized void close() {
        running = false;
        thread.interrupt();
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
