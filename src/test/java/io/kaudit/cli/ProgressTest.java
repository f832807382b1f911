package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress line: drawn for long work when enabled, erased at the end, silent otherwise. */
class ProgressTest {
    @Test
    void drawsBytesRateAndTimeLeftThenErasesItself() throws Exception {
        StringWriter w = new StringWriter();
        AtomicLong done = new AtomicLong(256L << 20);
        try (Progress p = new Progress(new PrintWriter(w), done, 1024L << 20, true)) {
            Thread.sleep(1500);
        }
        String s = w.toString();
        assertTrue(s.contains("25% 256 MiB/1024 MiB"), s);
        assertTrue(s.contains("MiB/s") && s.contains("left"), s);
        assertTrue(s.endsWith("\r\u001b[K"), "erased at the end");
    }

    @Test
    void silentWhenDisabledOrShort() throws Exception {
        StringWriter w = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(w), new AtomicLong(), 100, false)) {
            Thread.sleep(1300);
        }
        try (Progress p = new Progress(new PrintWriter(w), new AtomicLong(), 100, true)) {
            Thread.sleep(100);   // work shorter than a second shows nothing
        }
        assertEquals("", w.toString());
    }
}
