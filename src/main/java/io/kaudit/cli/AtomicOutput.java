package io.kaudit.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a scan's report goes. A regular file (or a new one) is written whole or not at all: a
 * temporary file beside it, renamed over it on {@link #commit()}, removed on failure or when the
 * JVM stops first. A symbolic link is followed to its target; a device, FIFO or socket is written
 * through, never replaced. Stdout is written directly. Every write error names where it went.
 */
final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final NamedWriter named;
    private final Writer writer;
    private final Thread cleanup;
    private boolean committed;

    AtomicOutput(Path target, PrintWriter stdout) throws IOException {
        if (target == null) {
            this.target = null;
            temp = null;
            channel = null;
            cleanup = null;
            named = (NamedWriter) NamedWriter.stdout(stdout);
            writer = new BufferedWriter(named, 1 << 16);
            return;
        }
        String shown = target.toString();
        if (writtenThrough(target)) {
            // a device (/dev/null, /dev/stdout), a FIFO or a socket: written to, never renamed over
            if (Files.isDirectory(target)) {
                throw new IOException(shown + ": is a directory");
            }
            this.target = target;
            temp = null;
            cleanup = null;
            channel = named(shown, () -> FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        } else {
            // a regular file, or none yet: replaced whole, at the end of any symbolic links
            this.target = Files.exists(target) ? target.toRealPath() : resolveLinks(target);
            Path dir = this.target.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IOException(shown + ": no such directory");
            }
            temp = named(shown, () -> createTemp(dir, this.target.getFileName().toString()));
            copyOwnerAndMode(this.target, temp);
            channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            cleanup = new Thread(this::removeTemp, "kaudit-output-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);   // SIGTERM: no temporary file left behind
        }
        named = new NamedWriter(new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8), shown);
        writer = new BufferedWriter(named, 1 << 16);
    }

    private interface Opening<T> {
        T open() throws IOException;
    }

    /** {@code opening}'s result; its failure with a reason beside the path (NIO's message is only the path). */
    private static <T> T named(String shown, Opening<T> opening) throws IOException {
        try {
            return opening.open();
        } catch (java.nio.file.FileSystemException e) {
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                    : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            throw new IOException(shown + ": cannot write (" + why + ")", e);
        }
    }

    Writer writer() {
        return writer;
    }

    /** Where the report goes, as the user named it ("stdout" without -o). */
    String name() {
        return named.name();
    }

    /** Whether the report replaces a file on commit (else it is written through as it goes). */
    boolean wholeOrNothing() {
        return temp != null;
    }

    /** Ends the report: flushed, synced and renamed into place. Throws naming the file. */
    void commit() throws IOException {
        writer.flush();
        if (channel != null) {
            try {
                if (temp != null) {
                    channel.force(true);
                }
            } catch (IOException e) {
                throw new IOException(name() + ": cannot write: " + e.getMessage(), e);
            }
            writer.close();
        }
        if (temp != null) {
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new IOException(name() + ": cannot replace: " + e, e);
            }
        }
        committed = true;
        unhook();
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        if (channel == null) {
            try {
                writer.flush();   // stdout: what was written so far (whole lines, closed documents)
            } catch (IOException ignored) {
                // the error that brought us here was already reported
            }
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // removed below anyway
        }
        removeTemp();
        unhook();
    }

    private void removeTemp() {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // nothing more can be done while stopping
            }
        }
    }

    private void unhook() {
        if (cleanup != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException stopping) {
                // the JVM is shutting down: the hook runs anyway
            }
        }
    }

    /** Whether {@code p} is something other than a regular file to replace: a device, FIFO, socket, folder. */
    private static boolean writtenThrough(Path p) {
        String abs = p.toAbsolutePath().normalize().toString();
        return abs.startsWith("/dev/") || abs.startsWith("/proc/") || Files.exists(p) && !Files.isRegularFile(p);
    }

    /** Follows symbolic links (also dangling ones: the report is created where the link points). */
    static Path resolveLinks(Path p) throws IOException {
        Path at = p;
        for (int hops = 0; Files.isSymbolicLink(at); hops++) {
            if (hops == 40) {
                throw new IOException(p + ": too many levels of symbolic links");
            }
            Path to = Files.readSymbolicLink(at);
            Path parent = at.toAbsolutePath().getParent();
            at = parent == null ? to : parent.resolve(to);
        }
        return at;
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        while (true) {
            Path t = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                    + ".tmp");
            try {
                return Files.createFile(t);   // the umask's mode, as the file itself would get
            } catch (FileAlreadyExistsException taken) {
                // try another name
            }
        }
    }

    /** A replaced report keeps its mode (and, where allowed, its owner). */
    private static void copyOwnerAndMode(Path from, Path to) {
        try {
            if (!Files.exists(from)) {
                return;
            }
            PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class);
            PosixFileAttributeView v = Files.getFileAttributeView(to, PosixFileAttributeView.class);
            v.setPermissions(a.permissions());
            try {
                v.setOwner(a.owner());
                v.setGroup(a.group());
            } catch (IOException notRoot) {
                // only root may give a file away
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: the temporary file's defaults stand
        }
    }
}
