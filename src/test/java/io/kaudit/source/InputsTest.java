package io.kaudit.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Path expansion and rotated-set ordering, on an in-memory file system. */
class InputsTest {
    private static List<String> names(List<Input> inputs) {
        return inputs.stream().map(i -> i.path().getFileName().toString()).toList();
    }

    @Test
    void rotatedSetsComeOldestFirstActiveLast() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path d = fs.getPath("/logs");
            Files.createDirectories(d);
            for (String n : List.of("audit.log", "audit-2026-03-14T10-00-00.000.log.gz", "audit-2026-03-13T23-59-59.999.log.gz",
                    "audit-2026-03-14T11-00-00.000.log", "audit-2026-03-14T11-00-00.000.log.gz", "kube-apiserver-audit.log",
                    "kube-apiserver-audit-2026-03-14T10-00-00.000.log", ".hidden")) {
                Files.writeString(d.resolve(n), "");
            }
            List<Input> inputs = Inputs.expand(List.of("/logs"), fs);
            assertEquals(List.of("audit-2026-03-13T23-59-59.999.log.gz", "audit-2026-03-14T10-00-00.000.log.gz",
                    "audit-2026-03-14T11-00-00.000.log", "audit.log",
                    "kube-apiserver-audit-2026-03-14T10-00-00.000.log", "kube-apiserver-audit.log"), names(inputs),
                    "plain copy preferred over a .gz still being written; hidden files skipped");
        }
    }

    /** Hidden folders inside the one given are hidden files too; a hidden folder given by name is read. */
    @Test
    void hiddenFoldersInAFolderAreSkipped() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path d = Files.createDirectories(fs.getPath("/case/.logs"));
            Files.writeString(d.resolve("audit.log"), "");
            Files.createDirectories(d.resolve(".git/objects"));
            Files.writeString(d.resolve(".git/objects/pack.log"), "");
            Files.createDirectories(d.resolve(".snapshot"));
            Files.writeString(d.resolve(".snapshot/audit.log"), "");
            Files.createDirectories(d.resolve("node-1"));
            Files.writeString(d.resolve("node-1/audit.log"), "");
            List<Input> inputs = Inputs.expand(List.of("/case/.logs"), fs);
            assertEquals(List.of("/case/.logs/audit.log", "/case/.logs/node-1/audit.log"),
                    inputs.stream().map(i -> i.path().toString()).sorted().toList());
            assertEquals(List.of(), names(Inputs.expand(List.of("/case"), fs)), "below /case, .logs is hidden");
        }
    }

    @Test
    void aFolderWalkFollowsLinksOnceAndNamesWhatItCannotRead() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path logs = Files.createDirectories(fs.getPath("/case/logs"));
            Path older = Files.createDirectories(fs.getPath("/case/older"));
            Files.writeString(logs.resolve("audit.log"), "");
            Files.writeString(older.resolve("audit-2026-03-13T23-59-59.999.log"), "");
            Files.createSymbolicLink(logs.resolve("same.log"), logs.resolve("audit.log"));   // the same file again
            Files.createSymbolicLink(logs.resolve("gone.log"), fs.getPath("/case/deleted.log"));
            Files.createSymbolicLink(logs.resolve("older"), older);                        // a folder: followed
            Files.createSymbolicLink(logs.resolve("loop"), logs);                          // back up: not followed
            Inputs.Skipped skipped = new Inputs.Skipped();
            List<Input> in = Inputs.expand(List.of("/case/logs", "/case/older"), fs, skipped);
            assertEquals(List.of("/case/logs/audit.log", "/case/logs/older/audit-2026-03-13T23-59-59.999.log"),
                    in.stream().map(Input::name).sorted().toList(), "each file once, however it is reached");
            assertEquals(List.of("/case/logs/gone.log: dangling link", "/case/logs/loop: link loop"),
                    skipped.unread().stream().map(Object::toString).sorted().toList());
            List<String> warnings = skipped.warnings(1);
            assertEquals(2, warnings.size(), warnings.toString());
            assertEquals(skipped.unread().get(0) + ", not read", warnings.get(0));
            assertEquals("and 1 more entries not read", warnings.get(1));
            // a glob names what it matched but could not read; a dangling link named outright is no "no such file"
            Inputs.Skipped globbed = new Inputs.Skipped();
            assertEquals(List.of("audit.log"), names(Inputs.expand(List.of("/case/logs/*.log"), fs, globbed)));
            assertEquals(List.of("/case/logs/gone.log: dangling link"), globbed.unread().stream().map(Object::toString).toList());
            IOException e = assertThrows(IOException.class, () -> Inputs.expand(List.of("/case/logs/gone.log"), fs));
            assertEquals("/case/logs/gone.log: dangling link", e.getMessage());
        }
    }

    @Test
    void kubeletAndLogrotateSetsComeOldestFirstActiveLast() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path pods = fs.getPath("/var/log/pods/kube-system_kube-apiserver-cp_1/kube-apiserver");
            Files.createDirectories(pods);
            for (String n : List.of("0.log", "0.log.20260314-090000", "0.log.20260314-080000.gz", "0.log.20260313-230000.gz",
                    "0.log.20260314-090000.gz")) {
                Files.writeString(pods.resolve(n), "");
            }
            assertEquals(List.of("0.log.20260313-230000.gz", "0.log.20260314-080000.gz", "0.log.20260314-090000", "0.log"),
                    names(Inputs.expand(List.of(pods.toString()), fs)), "the kubelet's container-log rotation");
            Path audit = fs.getPath("/var/log/audit");
            Files.createDirectories(audit);
            for (String n : List.of("audit.log", "audit.log.1", "audit.log.2.gz", "audit.log.10.gz", "kube.log-20260313.gz",
                    "kube.log-20260314", "kube.log")) {
                Files.writeString(audit.resolve(n), "");
            }
            assertEquals(List.of("audit.log.10.gz", "audit.log.2.gz", "audit.log.1", "audit.log",
                    "kube.log-20260313.gz", "kube.log-20260314", "kube.log"),
                    names(Inputs.expand(List.of(audit.toString()), fs)), "logrotate: numbered (.1 newest) and dateext");
        }
        assertTrue(Inputs.isBackupOrCompressed("0.log.20260314-090000"));
        assertTrue(Inputs.isBackupOrCompressed("audit.log.3"));
        assertTrue(Inputs.isBackupOrCompressed("audit-2026-03-14T09-00-00.000.log"));
        assertTrue(!Inputs.isBackupOrCompressed("audit.log") && !Inputs.isBackupOrCompressed("0.log"));
    }

    /** One file named twice, however the path is written (./, .., a folder and its file), is one input. */
    @Test
    void aFileNamedTwiceIsReadOnce() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setWorkingDirectory("/var/log").build())) {
            Path d = fs.getPath("/var/log/k8s");
            Files.createDirectories(d);
            Files.writeString(d.resolve("audit.log"), "");
            Files.writeString(d.resolve("other.log"), "");
            List<Input> in = Inputs.expand(List.of("k8s/audit.log", "./k8s/audit.log", "/var/log/k8s/../k8s/audit.log",
                    "/var/log/k8s", "k8s/*.log"), fs);
            assertEquals(java.util.Set.of("k8s/audit.log", "/var/log/k8s/other.log"),
                    java.util.Set.copyOf(in.stream().map(Input::name).toList()), "named as first given");
            assertEquals(2, in.size(), "each file once: " + names(in));
        }
    }

    @Test
    void globsAndStdinAndErrors() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path d = fs.getPath("/var/log/k8s");
            Files.createDirectories(d);
            Files.writeString(d.resolve("b.log"), "");
            Files.writeString(d.resolve("a.log"), "");
            Files.writeString(d.resolve("c.txt"), "");
            assertEquals(List.of("a.log", "b.log"), names(Inputs.expand(List.of("/var/log/k8s/*.log"), fs)));
            assertEquals("-", Inputs.expand(List.of(), fs).get(0).name());
            assertEquals("-", Inputs.expand(List.of("-"), fs).get(0).name());
            IOException e = assertThrows(IOException.class, () -> Inputs.expand(List.of("/nope.log"), fs));
            assertEquals("/nope.log: no such file or directory", e.getMessage());
            e = assertThrows(IOException.class, () -> Inputs.expand(List.of("/var/log/k8s/*.json"), fs));
            assertTrue(e.getMessage().contains("no file matches"));
        }
    }

    @Test
    void anInputThatWillNotOpenSaysWhyWithoutRepeatingItsPath(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Input gone = new Input("/gone.log", fs.getPath("/gone.log"));   // removed after expansion
            IOException e = assertThrows(IOException.class, () -> gone.open(new java.util.concurrent.atomic.AtomicLong()));
            assertEquals("no such file or directory", e.getMessage());
        }
        Input dir = new Input("d.log", Files.createDirectory(tmp.resolve("d.log")));   // FileInputStream's message
        IOException e = assertThrows(IOException.class, () -> dir.open(new java.util.concurrent.atomic.AtomicLong()));
        assertEquals("is a directory", e.getMessage());
    }
}
