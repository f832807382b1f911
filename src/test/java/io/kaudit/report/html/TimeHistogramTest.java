package io.kaudit.report.html;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Counts over time: exact totals whatever the order, widening as times spread, merging exactly. */
class TimeHistogramTest {

    @Test
    void emptyUntilTheFirstCountAndMergingAnEmptyOneChangesNothing() {
        TimeHistogram h = new TimeHistogram(16);
        assertTrue(h.isEmpty());
        assertArrayEquals(new long[4], h.on(0, 0, 4));
        h.merge(new TimeHistogram(16));
        assertTrue(h.isEmpty());
        h.add(5);
        assertFalse(h.isEmpty());
        assertEquals(5, h.firstMillis(0));
        assertEquals(5, h.lastMillis(0));
        assertArrayEquals(new long[] {0, 1}, h.on(4, 0, 2));
    }

    @Test
    void timesInAnyOrderWidenTheBucketsAndKeepEveryCount() {
        Random random = new Random(3);
        TimeHistogram all = new TimeHistogram(16);
        TimeHistogram a = new TimeHistogram(16);
        TimeHistogram b = new TimeHistogram(16);
        long[] times = new long[5_000];
        for (int i = 0; i < times.length; i++) {
            times[i] = 1_000_000 + random.nextInt(100_000);
            all.add(times[i]);
            (i % 2 == 0 ? a : b).add(times[i]);
        }
        assertTrue(all.shift() > 0, "a span of 100 s in 16 buckets of 1 ms had to widen");
        int shift = all.shift();
        long start = all.firstMillis(shift);
        int n = (int) ((all.lastMillis(shift) - start >> shift) + 1);
        assertTrue(n <= 16, n + " buckets");
        long[] counts = all.on(start, shift, n);
        assertEquals(times.length, Arrays.stream(counts).sum());
        long[] expected = new long[n];
        for (long t : times) {
            expected[(int) ((t >> shift) - (start >> shift))]++;
        }
        assertArrayEquals(expected, counts, "each time in its bucket");
        a.merge(b);
        assertArrayEquals(counts, a.on(start, Math.max(shift, a.shift()), n), "two halves merged are the whole");
    }
}
