package io.kaudit.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes and lines read through it: the stats of inputs read as whole documents
 * (pretty-printed JSON, EventLists, YAML), whose framing sees values rather than lines.
 */
public final class CountingStream extends FilterInputStream {
    private long bytes;
    private long lineEnds;
    private int last = '\n';

    public CountingStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            bytes++;
            lineEnds += b == '\n' ? 1 : 0;
            last = b;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        for (int i = off; i < off + n; i++) {
            lineEnds += b[i] == '\n' ? 1 : 0;
        }
        if (n > 0) {
            bytes += n;
            last = b[off + n - 1];
        }
        return n;
    }

    public long bytes() {
        return bytes;
    }

    /** Lines read so far: a last line without its end counts. */
    public long lines() {
        return lineEnds + (last != '\n' ? 1 : 0);
    }
}
