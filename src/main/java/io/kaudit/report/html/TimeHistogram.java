package io.kaudit.report.html;

/**
 * Counts over time in at most {@link #SLOTS} buckets whose width is a power of two milliseconds,
 * aligned to the epoch, widened (neighbours summed) as the times seen spread. Times may come in any
 * order; two histograms merge exactly, and any of them can be re-read on a wider grid, so per-thread
 * and per-actor counts all line up on the timeline's buckets. Memory is fixed, whatever the input.
 */
final class TimeHistogram {
    static final int SLOTS = 256;

    private final int slots;
    /** Bucket width is {@code 1 << shift} ms. */
    private int shift;
    /** Bucket index (time >> shift) of counts[0]; meaningless while empty. */
    private long base;
    private long[] counts;
    /** The lowest and highest bucket indices counted so far (while empty, a range nothing falls in: lo > hi). */
    private long lo = Long.MAX_VALUE;
    private long hi = Long.MIN_VALUE;

    TimeHistogram() {
        this(SLOTS);
    }

    TimeHistogram(int slots) {
        this.slots = slots;
        this.counts = new long[Math.min(slots, 8)];
    }

    /** One count: a time in the buckets already spanned only adds, the rest widens (kept out of line, for the JIT). */
    void add(long millis) {
        long i = millis >> shift;
        if (i >= lo && i <= hi) {
            counts[(int) (i - base)]++;
        } else {
            add(millis, 1);
        }
    }

    void add(long millis, long n) {
        long i = millis >> shift;
        if (isEmpty()) {
            base = i;
            lo = i;
            hi = i;
        } else if (i < lo || i > hi) {
            long newLo = Math.min(lo, i);
            long newHi = Math.max(hi, i);
            while (newHi - newLo + 1 > slots) {
                coarsen();
                i = millis >> shift;
                newLo = Math.min(lo, i);
                newHi = Math.max(hi, i);
            }
            if (newLo < base || newHi >= base + counts.length) {
                relocate(newLo, newHi, i < lo);
            }
            lo = newLo;
            hi = newHi;
        }
        counts[(int) (i - base)] += n;
    }

    /** A bigger or shifted array holding buckets {@code [newLo, newHi]}, with room on the side it grows. */
    private void relocate(long newLo, long newHi, boolean downwards) {
        int size = (int) Math.min(slots, Math.max(counts.length * 2L, newHi - newLo + 1));
        long newBase = downwards ? newHi - size + 1 : newLo;
        long[] moved = new long[size];
        System.arraycopy(counts, (int) (lo - base), moved, (int) (lo - newBase), (int) (hi - lo + 1));
        counts = moved;
        base = newBase;
    }

    /** Doubles the bucket width. */
    private void coarsen() {
        long newBase = base >> 1;
        long[] merged = new long[counts.length];
        for (long j = lo; j <= hi; j++) {
            merged[(int) ((j >> 1) - newBase)] += counts[(int) (j - base)];
        }
        counts = merged;
        base = newBase;
        lo >>= 1;
        hi >>= 1;
        shift++;
    }

    void merge(TimeHistogram other) {
        if (other.isEmpty()) {
            return;
        }
        for (int j = (int) (other.lo - other.base); j <= other.hi - other.base; j++) {
            if (other.counts[j] != 0) {
                add((other.base + j) << other.shift, other.counts[j]);
            }
        }
    }

    boolean isEmpty() {
        return lo > hi;
    }

    int shift() {
        return shift;
    }

    /** The start (ms) of the earliest bucket counted, on a grid of width {@code 1 << atShift}. */
    long firstMillis(int atShift) {
        return (lo << shift) >> atShift << atShift;
    }

    /** The start (ms) of the latest bucket counted, on a grid of width {@code 1 << atShift}. */
    long lastMillis(int atShift) {
        return (hi << shift) >> atShift << atShift;
    }

    /**
     * The counts on the grid of {@code n} buckets of width {@code 1 << atShift} ms starting at
     * {@code startMillis} (which that width divides); {@code atShift} must be at least this one's.
     */
    long[] on(long startMillis, int atShift, int n) {
        long[] out = new long[n];
        if (isEmpty()) {
            return out;
        }
        long first = startMillis >> atShift;
        for (int j = (int) (lo - base); j <= hi - base; j++) {
            if (counts[j] != 0) {
                long k = (((base + j) << shift) >> atShift) - first;
                if (k >= 0 && k < n) {
                    out[(int) k] += counts[j];
                }
            }
        }
        return out;
    }
}
