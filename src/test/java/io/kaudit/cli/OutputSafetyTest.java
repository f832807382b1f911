package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.kaudit.Kaudit;
import io.kaudit.event.JsonReader;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -o never replaces what is not a regular file, write errors are fatal, a stopped scan leaves valid output. */
class OutputSafetyTest {
    @TempDir
    Path dir;

    private static byte[] alerting() throws IOException {
        return Files.readAllBytes(Path.of("samples/privileged-pod.log"));
    }

    private void noTemporaryFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary file left behind");
        }
    }

    @Test
    void aFifoIsWrittenThroughNotReplaced() throws Exception {
        Path fifo = dir.resolve("alerts.fifo");
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException noMkfifo) {
            assumeTrue(false, "mkfifo not available");
            return;
        }
        assumeTrue(mk.waitFor() == 0, "mkfifo failed");
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "error: " + e;
            }
        });
        Kaudit.Outcome r = Kaudit.run("scan", "-q", "-f", "jsonl", "-o", fifo.toString(), "samples/privileged-pod.log");
        assertEquals(0, r.code(), r.err());
        String read;
        try {
            read = reader.get(10, TimeUnit.SECONDS);   // the reader sees the end once the scan closed its side
        } catch (java.util.concurrent.TimeoutException unfixed) {
            // the FIFO was renamed over and nobody opened it for writing: unblock the reader, then fail below
            try (OutputStream unblock = Files.newOutputStream(fifo)) {
                unblock.flush();
            } catch (IOException ignored) {
                // not a FIFO any more
            }
            read = reader.get(30, TimeUnit.SECONDS);
        }
        assertTrue(read.contains("Privileged Container Started"), "alerts came through the FIFO");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "still a FIFO");
        noTemporaryFiles();
    }

    @Test
    void aSymlinkIsFollowedAndKept() throws IOException {
        Path real = Files.createDirectory(dir.resolve("reports")).resolve("alerts.jsonl");
        Files.writeString(real, "old\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("latest.jsonl"), real);
        Kaudit.Outcome r = Kaudit.run("scan", "-q", "-f", "jsonl", "-o", link.toString(), "samples/privileged-pod.log");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link is kept");
        assertTrue(Files.readString(real).contains("Privileged Container Started"), "written at the link's target");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)), "mode kept");

        Path dangling = Files.createSymbolicLink(dir.resolve("next.jsonl"), dir.resolve("reports/next-real.jsonl"));
        assertEquals(0, Kaudit.run("scan", "-q", "-f", "jsonl", "-o", dangling.toString(), "samples/privileged-pod.log")
                .code());
        assertTrue(Files.isSymbolicLink(dangling));
        assertTrue(Files.readString(dir.resolve("reports/next-real.jsonl")).contains("Privileged Container Started"));
        try (Stream<Path> s = Files.list(dir.resolve("reports"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void aFolderIsRefusedByName() {
        Kaudit.Outcome r = Kaudit.run("scan", "-q", "-o", dir.toString(), "samples/privileged-pod.log");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(dir + ": is a directory"), r.err());
    }

    @Test
    void aFullDiskLeavesTheOldReportAndNoTemporaryFile() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(64 * 1024)
                .setBlockSize(4096).build())) {
            Path reports = Files.createDirectories(fs.getPath("/reports"));
            Path target = reports.resolve("alerts.json");
            Files.writeString(target, "{\"old\":true}");
            AtomicOutput out = new AtomicOutput(target, new PrintWriter(new StringWriter()));
            IOException e = assertThrows(IOException.class, () -> {
                Writer w = out.writer();
                for (int i = 0; i < 100_000; i++) {
                    w.write("{\"alert\":" + i + "}\n");
                }
                out.commit();
            });
            out.close();
            assertTrue(e.getMessage().startsWith(target + ": cannot write"), e.getMessage());
            assertEquals("{\"old\":true}", Files.readString(target));
            try (Stream<Path> s = Files.list(reports)) {
                assertEquals(List.of(target), s.toList(), "no temporary file left");
            }
        }
    }

    @Test
    void stdoutOnAFullDeviceIsAnError() throws Exception {
        File full = new File("/dev/full");
        assumeTrue(full.exists(), "/dev/full absent");
        Path log = dir.resolve("many.log");
        writeRepeated(log, 2000);
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(Kaudit.command(List.of(), "scan", "-f", "jsonl", log.toString()))
                .redirectOutput(full).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String stderr = Files.readString(err);
        assertEquals(2, p.exitValue(), stderr);
        assertTrue(stderr.contains("stdout: cannot write: No space left on device"), stderr);
        assertFalse(stderr.contains("alerts ("), "no summary claiming the alerts: " + stderr);
    }

    @Test
    void followStopsWhenItCannotWriteItsAlerts() throws Exception {
        File full = new File("/dev/full");
        assumeTrue(full.exists(), "/dev/full absent");
        Path log = dir.resolve("audit.log");
        writeRepeated(log, 20);
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(Kaudit.command(List.of(), "follow", "--from-start", "-f", "jsonl", log.toString()))
                .redirectOutput(full).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "follow stopped instead of losing alerts");
            String stderr = Files.readString(err);
            assertEquals(2, p.exitValue(), stderr);
            assertTrue(stderr.contains("stdout: cannot write: No space left on device"), stderr);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aClosedPipeStopsTheScanAtOnce() throws Exception {
        Process p = new ProcessBuilder(Kaudit.command(List.of(), "scan", "-f", "jsonl", "-"))
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        Thread feeder = feed(p);
        try {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                assertTrue(out.readLine().startsWith("{"));   // what `| head -1` reads
            }
            // stdin never ends: only the closed pipe can end the scan
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the scan stopped when its reader went away");
            String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), stderr);
            assertTrue(stderr.contains("stdout: cannot write: Broken pipe"), stderr);
        } finally {
            feeder.interrupt();
            p.destroyForcibly();
        }
    }

    @Test
    void sigtermLeavesWholeLinesAndValidDocuments() throws Exception {
        for (String format : List.of("jsonl", "json", "sarif")) {
            Process p = new ProcessBuilder(Kaudit.command(List.of(), "scan", "-f", format, "-"))
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
            Thread feeder = feed(p);
            try {
                stopped(p, format);
            } finally {
                feeder.interrupt();
                p.destroyForcibly();
            }
        }
    }

    private static void stopped(Process p, String format) throws Exception {
        {
            InputStream stdout = p.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            got.write(stdout.read());   // the scan is under way and has written alerts
            p.toHandle().destroy();   // SIGTERM (Process.destroy would close our end of the pipes)
            got.write(stdout.readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), format + ": " + stderr);
            assertTrue(stderr.contains("stopped before the end of the input"), format + ": " + stderr);
            String text = got.toString(StandardCharsets.UTF_8);
            if (format.equals("jsonl")) {
                assertTrue(text.endsWith("\n"), "ends on a whole line");
                for (String line : text.split("\n")) {
                    assertValidJson(line);
                }
            } else {
                assertValidJson(text);
                assertTrue(text.contains(format.equals("json") ? "\"stopped\" : true" : "\"executionSuccessful\" : false"),
                        format + " says it was stopped");
            }
        }
    }

    @Test
    void sigtermLeavesTheOldReportAndNoTemporaryFile() throws Exception {
        Path report = dir.resolve("alerts.json");
        Files.writeString(report, "previous report");
        Process p = new ProcessBuilder(Kaudit.command(List.of(), "scan", "-f", "json", "-o", report.toString(), "-"))
                .redirectError(ProcessBuilder.Redirect.PIPE).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread feeder = feed(p);
        try {
            stoppedWithOutputFile(p, report);
        } finally {
            feeder.interrupt();
            p.destroyForcibly();
        }
    }

    private void stoppedWithOutputFile(Process p, Path report) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!hasTemporaryFile() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(hasTemporaryFile(), "the scan is writing its report");
        Thread.sleep(500);   // some alerts in the temporary file
        p.toHandle().destroy();   // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), stderr);
        assertTrue(stderr.contains(report + " not written: the scan was stopped"), stderr);
        assertEquals("previous report", Files.readString(report));
        noTemporaryFiles();
    }

    @Test
    void outOfMemoryIsExitTwoWithAMessage() throws Exception {
        Path rules = dir.resolve("huge.yaml");
        try (Writer w = Files.newBufferedWriter(rules)) {
            w.write("- list: huge\n  items: [");
            for (int i = 0; i < 3_000_000; i++) {
                w.write(i == 0 ? "" : ", ");
                w.write("user-" + i);
            }
            w.write("]\n");
        }
        Process p = new ProcessBuilder(Kaudit.command(List.of("-Xmx24m"), "scan", "-r", rules.toString(),
                "samples/privileged-pod.log")).redirectError(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), stderr);
        assertTrue(stderr.contains("kaudit: out of memory"), stderr);
        assertFalse(stderr.contains("\tat "), "no stack trace: " + stderr);
    }

    private boolean hasTemporaryFile() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
    }

    private static void writeRepeated(Path log, int times) throws IOException {
        byte[] events = alerting();
        try (OutputStream out = Files.newOutputStream(log)) {
            for (int i = 0; i < times; i++) {
                out.write(events);
            }
        }
    }

    /** Writes alerting events to the process's stdin until it goes away. */
    private static Thread feed(Process p) throws IOException {
        byte[] events = alerting();
        Thread t = new Thread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                while (!Thread.currentThread().isInterrupted()) {
                    in.write(events);
                    in.flush();
                }
            } catch (IOException gone) {
                // the process ended
            }
        }, "feeder");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void assertValidJson(String text) throws IOException {
        try (JsonParser p = JsonReader.FACTORY.createParser(text)) {
            int depth = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
            }
            assertEquals(0, depth, "a whole document");
        }
    }

    /** -o naming an input (directly, through a link, or found in a folder) is refused: the evidence stays as it was. */
    @Test
    void theOutputIsNeverAnInput() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("case"));
        Path log = logs.resolve("audit.log");
        Files.copy(Path.of("samples", "privileged-pod.log"), log);
        byte[] before = Files.readAllBytes(log);
        Path link = Files.createSymbolicLink(dir.resolve("alerts.jsonl"), log);
        for (String[] args : new String[][] {
                {"scan", "-f", "jsonl", "-o", log.toString(), log.toString()},
                {"scan", "-f", "jsonl", "-o", link.toString(), log.toString()},
                {"scan", "-f", "html", "-o", log.toString(), logs.toString()},
                {"scan", "-f", "jsonl", "-o", log.toString(), logs + "/*.log"}}) {
            Kaudit.Outcome o = Kaudit.run(args);
            assertEquals(2, o.code(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.err().contains("is also an input (") && o.err().contains("kaudit does not write over what it reads"),
                    o.err());
            assertArrayEquals(before, Files.readAllBytes(log), "the log is untouched: " + String.join(" ", args));
        }
        Kaudit.Outcome f = Kaudit.run("follow", "-f", "jsonl", "-o", log.toString(), log.toString());
        assertEquals(2, f.code(), f.err());
        assertTrue(f.err().contains("is the file followed"), f.err());
        assertArrayEquals(before, Files.readAllBytes(log));
        Path alerts = dir.resolve("follow.jsonl");
        Kaudit.Outcome c = Kaudit.run("follow", "-f", "jsonl", "--checkpoint", alerts.toString(), "-o", alerts.toString(),
                log.toString());
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().contains("--checkpoint and -o are one file"), c.err());
        Kaudit.Outcome l = Kaudit.run("follow", "-f", "jsonl", "--checkpoint", log.toString(), log.toString());
        assertEquals(2, l.code(), l.err());
        assertTrue(l.err().contains("--checkpoint " + log + " is the file followed"), l.err());
        assertArrayEquals(before, Files.readAllBytes(log));
        // '-' is stdout, as it is stdin among the inputs
        Kaudit.Outcome dash = Kaudit.run("scan", "-q", "-f", "jsonl", "-o", "-", log.toString());
        assertEquals(0, dash.code(), dash.err());
        assertTrue(dash.out().contains("Privileged Container Started") && !Files.exists(Path.of("-")), dash.out());
        // an output that is not there yet cannot be an input
        Path fresh = dir.resolve("fresh.jsonl");
        assertEquals(1, Kaudit.run("scan", "--fail-on", "warning", "-f", "jsonl", "-o", fresh.toString(), log.toString()).code());
        assertTrue(Files.size(fresh) > 0);
    }

    /** consume never writes alerts or dead letters to a topic it reads: they would come back as input. */
    @Test
    void consumeWritesToNoTopicItReads() {
        for (String[] args : new String[][] {
                {"--topic", "k8s-audit", "--alerts-topic", "k8s-audit"},
                {"--topic", "audit-.*", "--dead-letter-topic", "audit-dead"}}) {
            List<String> cmd = new java.util.ArrayList<>(List.of("consume", "--bootstrap", "127.0.0.1:1", "--group", "g"));
            cmd.addAll(List.of(args));
            Kaudit.Outcome o = Kaudit.run(cmd.toArray(new String[0]));
            assertEquals(2, o.code(), o.err());
            assertTrue(o.err().contains(args[3] + " is also read (") && o.err().contains("write to another topic"), o.err());
        }
    }
}
