package io.kaudit.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGINT/SIGTERM into a clean stop: runs {@code onStop}, lets the command finish what it
 * writes (for at most {@code graceSeconds}), then ends the JVM with the command's exit code. Closed
 * when the command ends normally, so in-process runs (tests) leave no hook behind.
 */
final class StopHook implements AutoCloseable {
    private final Thread hook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode = 2;

    StopHook(Runnable onStop, int graceSeconds) {
        hook = new Thread(() -> {
            onStop.run();
            try {
                finished.await(graceSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(exitCode);   // System.exit would wait for this very hook
        }, "kaudit-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The command is done with {@code code}: a stop under way may now end the JVM with it. */
    void finished(int code) {
        exitCode = code;
        finished.countDown();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
            // the JVM is stopping: the hook ends it with the code given to finished()
        }
    }
}
