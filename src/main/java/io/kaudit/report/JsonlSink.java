package io.kaudit.report;

import io.kaudit.engine.Alert;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/** {@code -f jsonl}: one Falco JSON alert per line. */
public final class JsonlSink implements Sink {
    private final Writer out;
    private final boolean flushEach;

    /** @param flushEach flush after every alert (live modes) */
    public JsonlSink(Writer out, boolean flushEach) {
        this.out = out;
        this.flushEach = flushEach;
    }

    @Override
    public void alert(Alert a) {
        try {
            out.write(AlertJson.toJson(a));
            out.write('\n');
            if (flushEach) {
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
