package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading nothing, or selecting nothing, is never a silent "all clear". */
class SilentSuccessTest {
    @TempDir
    Path dir;

    @Test
    void nothingReadIsExit2WithAClearMessage() throws Exception {
        Path notAudit = dir.resolve("notes.log");
        Files.writeString(notAudit, "just some text\nand more\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", notAudit.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("no audit events read from " + notAudit), o.err());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Kaudit.Outcome e = Kaudit.run("scan", "-f", "jsonl", empty.toString());
        assertEquals(2, e.code(), e.err());
        assertTrue(e.err().contains("no audit events read"), e.err());
    }

    /** Among inputs that hold events, one that holds none is named in a warning (the scan still succeeds). */
    @Test
    void anInputWithNoEventAmongOthersIsNamed() throws Exception {
        Path notAudit = Files.writeString(dir.resolve("notes.log"), "just some text\nand more\n");
        Path empty = Files.createFile(dir.resolve("empty.log"));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", "samples/privileged-pod.log", notAudit.toString(),
                empty.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("warning: " + notAudit + ": no audit event in it"), o.err());
        assertTrue(o.err().contains("warning: " + empty + ": no audit event in it"), o.err());
        assertTrue(!o.err().contains("privileged-pod.log: no audit event"), o.err());
        assertTrue(o.out().contains("Privileged Container Started"), o.out());
    }

    @Test
    void aTagOrRuleNamingNothingIsAUsageError() {
        Kaudit.Outcome t = Kaudit.run("scan", "-f", "jsonl", "--tag", "no-such-tag", "samples/privileged-pod.log");
        assertEquals(2, t.code(), t.err());
        assertEquals(1, t.err().strip().lines().count(), t.err());
        assertTrue(t.err().contains("--tag no-such-tag"), t.err());
        Kaudit.Outcome d = Kaudit.run("scan", "-f", "jsonl", "--disable", "No Such Rule", "samples/privileged-pod.log");
        assertEquals(2, d.code(), d.err());
        assertTrue(d.err().contains("--disable No Such Rule"), d.err());
        assertEquals(0, Kaudit.run("scan", "-q", "-f", "jsonl", "--disable", "Pod Shares Host Network",
                "samples/privileged-pod.log").code());
    }

    /** --threads 0 or -1 had been taken (and meant one): a usage error in every command that takes it. */
    @Test
    void aThreadCountBelowOneIsAUsageError() {
        for (String cmd : new String[] {"scan", "serve", "consume"}) {
            for (String n : new String[] {"0", "-1", "two"}) {
                Kaudit.Outcome o = Kaudit.run(cmd, "--threads", n, "samples/privileged-pod.log");
                assertEquals(2, o.code(), cmd + " " + n + ": " + o.err());
                assertTrue(o.err().contains("expected a number of threads of at least 1, got '" + n + "'"), o.err());
            }
        }
    }

    @Test
    void aFolderScanSkipsNonLogFilesWithACount() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("case"));
        Files.copy(Path.of("samples", "privileged-pod.log"), logs.resolve("audit.log"));
        Files.writeString(logs.resolve("README.md"), "# notes\n".repeat(2000));
        Files.writeString(logs.resolve("users.csv"), "a,b\n".repeat(2000));
        Files.writeString(logs.resolve("policy.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "jsonl", logs.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("3 non-log files in folders skipped"), o.err());
        assertTrue(!o.err().contains("malformed"), o.err());
        // named on the command line, a file is read whatever its name
        Kaudit.Outcome named = Kaudit.run("scan", "-f", "jsonl", logs.resolve("users.csv").toString());
        assertEquals(2, named.code(), named.err());
        assertTrue(named.err().contains("malformed"), named.err());
    }

    @Test
    void aFolderScanNamesTheLinksItCannotFollowAndReadsTheRest() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("case"));
        Path older = Files.createDirectory(dir.resolve("older"));
        Files.copy(Path.of("samples", "privileged-pod.log"), logs.resolve("audit.log"));
        Files.copy(Path.of("samples", "privileged-pod.log"), older.resolve("audit-2026-03-13T23-59-59.999.log"));
        Files.createSymbolicLink(logs.resolve("rotated"), older);
        Files.createSymbolicLink(logs.resolve("audit-2026-03-12T00-00-00.000.log"), dir.resolve("moved-away.log"));
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "json", logs.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("warning: " + logs.resolve("audit-2026-03-12T00-00-00.000.log") + ": dangling link, not read"),
                o.err());
        assertTrue(o.out().contains("\"events\" : 10,"), "both files read, the linked folder's too: " + o.out());
        Kaudit.Outcome repl = Kaudit.process("quit\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "repl", logs.toString());
        assertTrue(repl.err().contains("dangling link, not read") && repl.err().contains("loaded 10 events from 2 files"), repl.err());
    }

    @Test
    void theReplLoadsAFolderTheSameWay() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("case"));
        Files.copy(Path.of("samples", "privileged-pod.log"), logs.resolve("audit.log"));
        Files.writeString(logs.resolve("README.md"), "# notes\n".repeat(2000));
        Kaudit.Outcome o = Kaudit.process("quit\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "repl", logs.toString());
        assertTrue(o.err().contains("1 non-log file in folders skipped"), o.err());
        assertTrue(o.err().contains("loaded 5 events from 1 file") && o.err().contains("0 malformed lines"), o.err());
    }
}
