package io.kaudit.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.framing.FrameHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tailer on real files, through every kind of rotation. */
class TailerTest {
    @TempDir
    Path dir;

    /** Records what the tailer hands over. */
    static final class Recorder implements FrameHandler {
        final List<String> lines = new ArrayList<>();
        final List<String> where = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        final List<String> notices = new ArrayList<>();

        @Override
        public void line(String path, byte[] buf, int from, int limit, long lineNumber) {
            lines.add(new String(buf, from, limit - from, StandardCharsets.UTF_8).strip());
            where.add(Path.of(path).getFileName() + ":" + lineNumber);
        }

        @Override
        public void skipped(String path, long lineNumber, String reason) {
            skipped.add(Path.of(path).getFileName() + ":" + lineNumber);
        }

        @Override
        public void notice(String message) {
            notices.add(message);
        }
    }

    /** A tailer of {@code log} named by its path, lines up to 1 MiB, from the end or from the start. */
    private static Tailer tailer(Path log, boolean atEnd) {
        return new Tailer(log, log.toString(), 1 << 20, atEnd);
    }

    private static void append(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void startsAtTheEndAndWaitsForWholeLines() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "old-1\nold-2\n");
        Tailer t = tailer(log, true);
        Recorder r = new Recorder();
        t.poll(r);
        assertEquals(List.of(), r.lines);
        append(log, "new-1\nnew-2 half");
        t.poll(r);
        assertEquals(List.of("new-1"), r.lines);
        append(log, "-done\n");
        t.poll(r);
        assertEquals(List.of("new-1", "new-2 half-done"), r.lines);
        assertEquals(List.of("audit.log:3", "audit.log:4"), r.where, "line numbers count the lines it skipped");
        assertEquals(12 + 6 + 16, t.position().offset(), "offset after the last complete line");
    }

    /** Pretty-printed documents are joined as scan's document mode reads them; a checkpoint never claims half of one. */
    @Test
    void prettyPrintedDocumentsAreHandedOnWholeAndNeverHalfCheckpointed() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "{\"kind\":\"Event\",\"n\":1}\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        long afterFirst = t.position().offset();
        append(log, "{\n  \"kind\": \"Event\",\n  \"s\": \"a } in a string, and \\\" a quote {\",\n");
        t.poll(r);
        assertEquals(List.of("{\"kind\":\"Event\",\"n\":1}"), r.lines, "half a document waits");
        assertEquals(afterFirst, t.position().offset(), "the checkpoint stays before the open document");
        assertEquals(1, t.position().line());
        append(log, "  \"o\": {\"a\": [1, 2]}\n}\n[\n  {\"kind\": \"Event\"}\n]\n");
        t.poll(r);
        assertEquals(3, r.lines.size(), r.lines.toString());
        assertEquals("{   \"kind\": \"Event\",   \"s\": \"a } in a string, and \\\" a quote {\",   \"o\": {\"a\": [1, 2]} }",
                r.lines.get(1));
        assertEquals("[   {\"kind\": \"Event\"} ]", r.lines.get(2));
        assertEquals(List.of("audit.log:1", "audit.log:2", "audit.log:7"), r.where, "numbered as their first line");
        assertEquals(Files.size(log), t.position().offset());
        assertEquals(9, t.position().line());
    }

    /** Stopped inside a document and started again from the checkpoint: the document is read whole, once. */
    @Test
    void aDocumentOpenAtAStopIsReadWholeAfterTheRestart() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "{\"n\":1}\n{\n  \"kind\": \"Event\",\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        assertEquals(List.of("{\"n\":1}"), r.lines);
        Checkpoint.Entry at = t.position();
        t.close();
        Tailer again = tailer(log, false);
        Recorder r2 = new Recorder();
        again.resume(at, r2);
        append(log, "  \"verb\": \"get\"\n}\n{\"n\":2}\n");
        again.poll(r2);
        assertEquals(List.of("{   \"kind\": \"Event\",   \"verb\": \"get\" }", "{\"n\":2}"), r2.lines);
        assertEquals(List.of("audit.log:2", "audit.log:6"), r2.where);
    }

    /** A document still open when its file is rotated away is handed on as its lines: lines never span files. */
    @Test
    void aDocumentOpenAtRotationIsHandedOnAsItsLines() throws IOException {
        Path log = dir.resolve("audit.log");
        Files.createFile(log);
        Tailer t = tailer(log, false).rotateWait(0);
        Recorder r = new Recorder();
        t.poll(r);
        append(log, "{\n\"kind\": \"Event\",\n");
        t.poll(r);
        assertEquals(List.of(), r.lines);
        Files.move(log, dir.resolve("audit-2026-03-14T10-00-00.000.log"));
        append(log, "{\"n\":1}\n");
        t.poll(r);
        assertEquals(List.of("{", "\"kind\": \"Event\",", "{\"n\":1}"), r.lines);
        assertEquals(List.of("audit-2026-03-14T10-00-00.000.log:1", "audit-2026-03-14T10-00-00.000.log:2", "audit.log:1"),
                r.where);
    }

    /** A document that never closes is handed on line by line at the length limit, not held for ever. */
    @Test
    void aDocumentThatNeverClosesIsHandedOnAsItsLines() throws IOException {
        Path log = dir.resolve("audit.log");
        Files.createFile(log);
        Tailer t = new Tailer(log, log.toString(), 64, false);
        Recorder r = new Recorder();
        t.poll(r);
        append(log, "{\n\"a\": 1,\n");
        t.poll(r);
        assertEquals(List.of(), r.lines);
        append(log, "\"b\": \"0123456789012345678901234567890123456789\",\n{\"kind\":\"Event\"}\n");
        t.poll(r);
        assertEquals(List.of("{", "\"a\": 1,", "\"b\": \"0123456789012345678901234567890123456789\",",
                "{\"kind\":\"Event\"}"), r.lines);
        assertEquals(List.of("audit.log:1", "audit.log:2", "audit.log:3", "audit.log:4"), r.where);
    }

    @Test
    void theEndIsTakenWhenFollowingStartsNotAtTheFirstPoll() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "old\n");
        Tailer t = tailer(log, true);
        t.open();
        append(log, "written-before-the-first-poll\n");
        Recorder r = new Recorder();
        t.poll(r);
        assertEquals(List.of("written-before-the-first-poll"), r.lines);
    }

    @Test
    void renameAndCreateFinishesTheOldFileFirst() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "a\n");
        // no rotate-wait: the old file's unterminated last line is handed on at once (with the wait,
        // after it: aRenamedFileIsStillReadForTheRotateWait)
        Tailer t = tailer(log, false).rotateWait(0);
        Recorder r = new Recorder();
        t.poll(r);
        append(log, "b\nc-last-without-newline");
        Files.move(log, dir.resolve("audit-2026-03-14T10-00-00.000.log"));
        append(log, "d\n");
        t.poll(r);
        assertEquals(List.of("a", "b", "c-last-without-newline", "d"), r.lines);
        assertEquals(List.of("audit.log:1", "audit-2026-03-14T10-00-00.000.log:2", "audit-2026-03-14T10-00-00.000.log:3",
                "audit.log:1"), r.where, "lines read after the rename are named where they are now");
        assertTrue(r.notices.stream().anyMatch(n -> n.contains("rotated")));
    }

    @Test
    void copytruncateStartsAgainAtZero() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "first-line-is-long\nsecond\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        Files.copy(log, dir.resolve("audit.log.1"));
        Files.write(log, new byte[0]);   // truncate in place, same inode
        append(log, "x\n");
        t.poll(r);
        assertEquals(List.of("first-line-is-long", "second", "x"), r.lines);
        assertTrue(r.notices.stream().anyMatch(n -> n.contains("truncated")));
    }

    @Test
    void copytruncateRewrittenPastTheOffsetIsStillNoticed() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "one\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        Files.write(log, new byte[0]);
        append(log, "rewritten-first-line-longer-than-before\n");   // past the old offset before the next poll
        t.poll(r);
        assertEquals(List.of("one", "rewritten-first-line-longer-than-before"), r.lines);
    }

    @Test
    void deleteAndRecreateAndLateCreation() throws IOException {
        Path log = dir.resolve("audit.log");
        Tailer t = tailer(log, true);
        Recorder r = new Recorder();
        t.poll(r);   // does not exist yet
        append(log, "born\n");
        t.poll(r);
        Files.delete(log);
        t.poll(r);
        append(log, "reborn\n");
        t.poll(r);
        assertEquals(List.of("born", "reborn"), r.lines, "a file that appears later is read from its start");
    }

    @Test
    void overlongLinesAreSkippedWithBoundedMemory() throws IOException {
        Path log = dir.resolve("audit.log");
        Tailer t = new Tailer(log, log.toString(), 100_000, false);
        Recorder r = new Recorder();
        append(log, "ok-1\n" + "z".repeat(300_000) + "\nok-2\n");
        t.poll(r);
        assertEquals(List.of("ok-1", "ok-2"), r.lines);
        assertEquals(List.of("audit.log:2"), r.skipped);
    }

    /** A line over --max-line that fits the read buffer (--max-line below 64 KiB) is skipped too, as scan skips it. */
    @Test
    void aLineOverASmallMaxLineIsSkippedThoughTheBufferHoldsIt() throws IOException {
        Path log = dir.resolve("audit.log");
        Tailer t = new Tailer(log, log.toString(), 100, false);
        Recorder r = new Recorder();
        append(log, "ok-1\n" + "z".repeat(101) + "\n" + "y".repeat(100) + "\nok-2\n" + "x".repeat(150));
        t.poll(r);
        assertEquals(List.of("ok-1", "y".repeat(100), "ok-2"), r.lines, "a line of exactly --max-line is kept");
        assertEquals(List.of("audit.log:2"), r.skipped);
        append(log, "\n");
        t.poll(r);
        assertEquals(List.of("audit.log:2", "audit.log:5"), r.skipped, "so is one completed later");
        assertEquals(List.of("ok-1", "y".repeat(100), "ok-2"), r.lines);
    }

    @Test
    void resumesFromACheckpointThroughARotationWhileStopped() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "1\n2\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        Checkpoint.Entry at = t.position();
        assertNotNull(at);
        t.close();
        // while stopped: more lines, then rotation with compression, then a new file
        append(log, "3\n4\n");
        Path backup = dir.resolve("audit-2026-03-14T10-00-00.000.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(backup))) {
            out.write(Files.readAllBytes(log));
        }
        Files.delete(log);
        append(log, "5\n");

        Path cpFile = dir.resolve("cp.json");
        Checkpoint cp = Checkpoint.load(cpFile);
        cp.put(log.toString(), at);
        cp.save();
        Checkpoint loaded = Checkpoint.load(cpFile);

        Tailer again = tailer(log, true);
        Recorder r2 = new Recorder();
        again.resume(loaded.get(log.toString()), r2);
        again.poll(r2);
        assertEquals(List.of("3", "4", "5"), r2.lines, "nothing lost, nothing repeated");
        assertEquals("audit-2026-03-14T10-00-00.000.log.gz:3", r2.where.get(0));
    }

    /** The same in a file rotated away while stopped, which is finished from the checkpoint. */
    @Test
    void aLineOverASmallMaxLineIsSkippedInAFileRotatedWhileStopped() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "1\n2\n");
        Tailer t = new Tailer(log, log.toString(), 100, false);
        t.poll(new Recorder());
        Checkpoint.Entry at = t.position();
        t.close();
        append(log, "z".repeat(150) + "\n4\n");
        Path backup = dir.resolve("audit-2026-03-14T10-00-00.000.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(backup))) {
            out.write(Files.readAllBytes(log));
        }
        Files.delete(log);
        append(log, "5\n");
        Tailer again = new Tailer(log, log.toString(), 100, true);
        Recorder r = new Recorder();
        again.resume(at, r);
        again.poll(r);
        assertEquals(List.of("4", "5"), r.lines);
        assertEquals(List.of("audit-2026-03-14T10-00-00.000.log.gz:3"), r.skipped);
    }

    @Test
    void resumesInPlaceWhenTheFileIsTheSame() throws IOException {
        Path log = dir.resolve("audit.log");
        append(log, "1\n2\n");
        Tailer t = tailer(log, false);
        t.poll(new Recorder());
        Checkpoint.Entry at = t.position();
        t.close();
        append(log, "3\n");
        Tailer again = tailer(log, true);
        Recorder r = new Recorder();
        again.resume(at, r);
        again.poll(r);
        assertEquals(List.of("3"), r.lines);
        assertEquals(List.of("audit.log:3"), r.where);
    }

    @Test
    void criPartsAreJoinedAcrossPollsAndTheCheckpointWaitsForTheRun() throws IOException {
        Path log = dir.resolve("kube-apiserver-0.log");
        String first = "2026-03-14T09:00:00.1Z stdout F {\"a\":1}\n";
        append(log, first);
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        String p1 = "2026-03-14T09:00:00.2Z stdout P {\"kind\":\n";
        String klog = "2026-03-14T09:00:00.3Z stderr F I0314 trace.go:236] slow\n";
        append(log, p1 + klog);
        t.poll(r);
        assertEquals(List.of("2026-03-14T09:00:00.1Z stdout F {\"a\":1}"), r.lines, "a part waits for its run's end");
        assertEquals(first.length(), t.position().offset(), "the checkpoint does not claim a held run");
        assertEquals(1, t.position().line());
        // stopped here and started again from the checkpoint: the run is read whole, once
        Tailer again = tailer(log, false);
        Recorder r2 = new Recorder();
        again.resume(t.position(), r2);
        append(log, "2026-03-14T09:00:00.4Z stdout F \"Event\"}\n2026-03-14T09:00:00.5Z stdout F {}\n");
        again.poll(r2);
        assertEquals(List.of("2026-03-14T09:00:00.2Z stdout F {\"kind\":\"Event\"}", "2026-03-14T09:00:00.5Z stdout F {}"),
                r2.lines);
        assertEquals(List.of("kube-apiserver-0.log:2", "kube-apiserver-0.log:5"), r2.where,
                "the joined line is numbered as its first record; the numbers after it stay the file's");
        assertEquals(Files.size(log), again.position().offset());
        append(log, klog);
        again.poll(r2);
        assertEquals("", r2.lines.get(r2.lines.size() - 1), "the server's own stderr line comes out blank");
        assertEquals("kube-apiserver-0.log:6", r2.where.get(r2.where.size() - 1));
    }

    @Test
    void aRunCutByRotationIsHandedOnAsItWas() throws IOException {
        Path log = dir.resolve("kube-apiserver-0.log");
        append(log, "1 stdout P {\"kind\":\n1 stdout P \"Ev\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        assertEquals(List.of(), r.lines);
        Files.move(log, dir.resolve("kube-apiserver-0.log.20260314-090000"));
        append(log, "1 stdout F ent\"}\n");
        t.poll(r);
        assertEquals(List.of("1 stdout P {\"kind\":", "1 stdout P \"Ev", "1 stdout F ent\"}"), r.lines,
                "lines never span files: the parts are given back, to be reported as they are");
        assertEquals(List.of("kube-apiserver-0.log.20260314-090000:1", "kube-apiserver-0.log.20260314-090000:2",
                "kube-apiserver-0.log:1"), r.where);
    }

    /** A writer that keeps its handle on the renamed file: what it writes within the rotate-wait is read, in order. */
    @Test
    void aRenamedFileIsStillReadForTheRotateWait() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "a-1\n");
        Tailer t = tailer(log, false).rotateWait(1500);
        Recorder r = new Recorder();
        t.poll(r);
        Path old = dir.resolve("audit-2026-03-14T09-00-00.000.log");
        try (OutputStream late = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
            Files.move(log, old);
            append(log, "b-1\n");
            t.poll(r);   // the rotation is seen: the new file is read, the old one kept open
            late.write("a-2\n".getBytes(StandardCharsets.UTF_8));   // the old writer, after the rename
            late.flush();
            t.poll(r);
            append(log, "b-2\n");
            late.write("a-3 no newline".getBytes(StandardCharsets.UTF_8));
            late.flush();
            t.poll(r);
            assertEquals(List.of("a-1", "b-1", "a-2", "b-2"), r.lines, "nothing written to the old file is lost");
            Thread.sleep(1600);
            late.write(" yet".getBytes(StandardCharsets.UTF_8));
            late.flush();
            t.poll(r);   // past the wait: the old file's last bytes are its last line, and it is closed
            assertEquals(List.of("a-1", "b-1", "a-2", "b-2", "a-3 no newline yet"), r.lines);
            late.write("\na-4 too late\n".getBytes(StandardCharsets.UTF_8));
        }
        append(log, "b-3\n");
        t.poll(r);
        assertEquals("b-3", r.lines.get(r.lines.size() - 1));
        assertTrue(r.where.contains(old.getFileName() + ":2"), r.where.toString());
        assertEquals(new Checkpoint.Entry(FileIdentity.of(log), Files.size(log), 3), t.position());
        t.close();
    }

    /** Stopped within a rotate-wait: the checkpoint holds the old file too, and a restart finishes it first. */
    @Test
    void aStopWithinTheRotateWaitLosesNothingOfTheOldFile() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "a-1\n");
        Tailer t = tailer(log, false).rotateWait(60_000);
        Recorder r = new Recorder();
        t.poll(r);
        Path old = dir.resolve("audit-2026-03-14T09-00-00.000.log");
        Files.move(log, old);
        append(log, "b-1\n");
        t.poll(r);
        assertEquals(List.of("a-1", "b-1"), r.lines);
        Checkpoint.Entry current = t.position();
        Checkpoint.Entry rotated = t.rotatedPosition();
        assertEquals(new Checkpoint.Entry(FileIdentity.of(old), Files.size(old), 1), rotated);
        t.close();   // stopped; the old writer still adds a line, and the new file grows
        append(old, "a-2\n");
        append(log, "b-2\n");

        Tailer again = tailer(log, true).rotateWait(60_000);
        Recorder after = new Recorder();
        again.resumeRotated(rotated, after);
        again.resume(current, after);
        again.poll(after);
        assertEquals(List.of("a-2", "b-2"), after.lines, "the old file's last line first, nothing repeated");
        assertTrue(after.where.get(0).contains(old.getFileName() + ":2"), after.where.toString());
        again.close();
    }

    /**
     * copytruncate, then refilled past the old offset before the next poll: audit lines share their
     * first ~80 bytes, so only a longer fingerprint (holding the first auditID) sees the rewrite.
     */
    @Test
    void copytruncateRefilledWithAuditLinesIsNoticed() throws IOException {
        String prefix = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"";
        Path log = dir.resolve("audit.log");
        append(log, prefix + "1111-old\",\"verb\":\"get\"}\n");
        Tailer t = tailer(log, false);
        Recorder r = new Recorder();
        t.poll(r);
        assertEquals(1, r.lines.size());
        StringBuilder refill = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            refill.append(prefix).append("2222-new-").append(i).append("\",\"verb\":\"list\"}\n");
        }
        Files.writeString(log, refill.toString(), StandardCharsets.UTF_8);   // truncated and rewritten, longer
        t.poll(r);
        assertEquals(4, r.lines.size(), r.lines.toString());
        assertTrue(r.lines.get(1).contains("2222-new-0"), r.lines.get(1));
        assertTrue(r.notices.stream().anyMatch(n -> n.contains("copytruncate")), r.notices.toString());
        t.close();
    }

    /** A path without a file is announced once it has stayed so a while (not at a rotation's instant), and so is its return. */
    @Test
    void aPathWithoutAFileIsAnnouncedOnceAndSoIsItsReturn() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "one\n");
        Tailer t = tailer(log, false).rotateWait(0).absentNotice(200);
        Recorder r = new Recorder();
        t.poll(r);
        Files.delete(log);
        t.poll(r);   // reads the deleted file to its end
        t.poll(r);
        assertEquals(List.of(), r.notices, "not at once: a rotation renames and creates in a moment");
        Thread.sleep(300);
        t.poll(r);
        t.poll(r);
        assertEquals(List.of(log + ": no file at this path (not created yet, or deleted or moved away); waiting for one"),
                r.notices, "said once");
        append(log, "two\n");
        t.poll(r);
        assertEquals(List.of("one", "two"), r.lines);
        assertEquals(log + ": a file is there now; reading it from the start", r.notices.get(1));
        // and a path that has no file from the start is announced the same way
        Tailer never = tailer(dir.resolve("later.log"), true).absentNotice(0);
        Recorder n = new Recorder();
        never.poll(n);
        never.poll(n);
        assertEquals(1, n.notices.size(), n.notices.toString());
    }
}
