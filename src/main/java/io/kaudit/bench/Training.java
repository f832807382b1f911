package io.kaudit.bench;

import io.kaudit.cli.Main;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The training run of the launcher's ahead-of-time cache (install.sh, Java 25+): scans one log once
 * per report kind in one JVM, so the cache holds the classes and method profiles of each, the HTML
 * report's as well as the alert streams'. The samples folder, if given, is read first: its rare
 * shapes (no objectRef, no user, anonymous requests) are then in the profiles before the JIT
 * compiles, rather than discarding compiled code when a big log first shows one.
 * {@code java -cp kaudit.jar io.kaudit.bench.Training LOG DIR [SAMPLES]}
 */
public final class Training {
    private Training() {
    }

    public static void main(String[] args) {
        String log = args[0];
        String dir = args[1];
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = 0;
        for (String format : new String[] {"jsonl", "html"}) {
            String[] scan = args.length > 2
                    ? new String[] {"scan", "-q", "-f", format, "-o", dir + "/out." + format, args[2], log}
                    : new String[] {"scan", "-q", "-f", format, "-o", dir + "/out." + format, log};
            code = Math.max(code, Main.run(out, err, scan));
        }
        System.exit(code);
    }
}
