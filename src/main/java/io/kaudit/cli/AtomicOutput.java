package io.kaudit.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Output that lands whole or not at all: a file is written beside its target and renamed over it
 * on {@link #commit()}; on failure the temporary file is removed. Stdout is written directly.
 */
final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final Writer writer;
    private boolean committed;

    AtomicOutput(Path target, Writer stdout) throws IOException {
        this.target = target;
        if (target == null) {
            temp = null;
            writer = new BufferedWriter(stdout, 1 << 16);
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException(target + ": no such directory");
        }
        temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
    }

    Writer writer() {
        return writer;
    }

    void commit() throws IOException {
        writer.flush();
        if (temp != null) {
            writer.close();
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (temp != null && !committed) {
            writer.close();
            Files.deleteIfExists(temp);
        } else if (!committed) {
            writer.flush();
        }
    }
}
