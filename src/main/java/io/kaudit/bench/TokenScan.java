package io.kaudit.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kaudit.event.JsonReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The baseline kaudit is measured against: one thread, Jackson's streaming parser visiting every
 * token of the file and nothing more. {@code java -cp kaudit.jar io.kaudit.bench.TokenScan FILE}
 */
public final class TokenScan {
    private TokenScan() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        long start = System.nanoTime();
        long tokens = 0;
        long roots = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             JsonParser p = JsonReader.FACTORY.createParser(in)) {
            JsonToken t;
            int depth = 0;
            while ((t = p.nextToken()) != null) {
                tokens++;
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd() && --depth == 0) {
                    roots++;
                }
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        double mib = Files.size(file) / 1048576.0;
        System.out.printf(Locale.ROOT, "token scan: %d values, %d tokens in %.2fs (%.1f MiB/s)%n", roots, tokens, s, mib / s);
    }
}
