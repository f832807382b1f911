package io.kaudit;

import io.kaudit.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the kaudit command line in this JVM or as a real process (for stdin, exit codes, signals). */
public final class Kaudit {
    /** The samples of per-event rules: every sample log but the correlations' ({@code corr-*}). */
    public static final String PER_EVENT_SAMPLES = "samples/{[a-bd-z],c[!o]}*.log";

    private Kaudit() {
    }

    public record Outcome(int code, String out, String err) {
        public List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    public static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** The command line of {@code kaudit args} in a child JVM on this test's class path, with JVM options. */
    public static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code kaudit args} as a child JVM on this test's class path, feeding {@code stdin}. */
    public static Outcome process(byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = command(List.of(), args);
        Path out = Files.createTempFile("kaudit-out", ".txt");
        Path err = Files.createTempFile("kaudit-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().write(stdin);
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("kaudit did not finish: " + cmd);
            }
            return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
