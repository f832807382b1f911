package io.kaudit.source;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands command-line paths (files, folders, globs, '-') into inputs in reading order. Files of a
 * rotated set come as one stream in time order: backups oldest first, the active file last. When a
 * backup exists both plain and gzipped (compression still running), the plain one is read. Sets are
 * recognised as kube-apiserver's lumberjack names them ({@code NAME-2006-01-02T15-04-05.000.EXT[.gz]}
 * beside {@code NAME.EXT}), as the kubelet names container logs ({@code 0.log.20060102-150405[.gz]}),
 * and as logrotate does ({@code NAME.log.1[.gz]}, older as the number grows; {@code NAME.log-20060102[.gz]}).
 */
public final class Inputs {
    private static final Pattern LUMBERJACK =
            Pattern.compile("(.*)-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3})(\\.[^.]*)?(\\.gz)?");
    private static final Pattern KUBELET = Pattern.compile("(.*\\.log)\\.(\\d{8}-\\d{6})(\\.gz)?");
    private static final Pattern DATEEXT = Pattern.compile("(.*\\.log)-(\\d{8}(?:\\d{2})?(?:-\\d+)?)(\\.gz)?");
    private static final Pattern NUMBERED = Pattern.compile("(.*\\.log)\\.(\\d{1,6})(\\.gz)?");
    private static final Pattern NUMBER_SUFFIX = Pattern.compile(".*\\.\\d+");

    /** A rotated backup: the name of the file it was, and a stamp that sorts backups oldest first. */
    record Backup(String active, String stamp) {
    }

    private Inputs() {
    }

    /**
     * Name endings a folder walk leaves out: documents, tables, policies and rules, reports, images
     * and code, which are no audit log (thousands of malformed lines otherwise). A file
     * named on the command line is always read, whatever its name.
     */
    private static final Set<String> NOT_LOGS = Set.of("md", "markdown", "rst", "csv", "tsv", "yaml", "yml", "toml",
            "ini", "html", "htm", "sarif", "pdf", "png", "jpg", "jpeg", "gif", "svg",
            "sh", "py", "java", "go", "rs", "js", "css", "xml", "sig", "asc", "pem", "crt", "key", "sum");

    /** True when a folder walk skips the file named {@code name} as no log (by its name ending, before a .gz). */
    public static boolean isNotALog(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        int dot = n.lastIndexOf('.');
        return dot >= 0 && NOT_LOGS.contains(n.substring(dot + 1));
    }

    /**
     * What a folder walk or glob left out: files whose names say they are no log ({@link #isNotALog}),
     * counted, and entries that could not be read at all (a dangling link, a link loop, a folder that
     * cannot be listed, a pipe or device), each named with the reason, for a warning.
     */
    public static final class Skipped {
        private final AtomicLong notLogs = new AtomicLong();
        private final List<Unread> unread = new ArrayList<>();

        public long notLogs() {
            return notLogs.get();
        }

        /** Each entry not read, with why. */
        public List<Unread> unread() {
            return List.copyOf(unread);
        }

        /** A warning line for each entry not read, the first {@code max} of them and how many more. */
        public List<String> warnings(int max) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < Math.min(max, unread.size()); i++) {
                lines.add(unread.get(i) + ", not read");
            }
            if (unread.size() > max) {
                lines.add("and " + (unread.size() - max) + " more entries not read");
            }
            return lines;
        }
    }

    /** An entry a walk could not read: a file, link or folder, and why. */
    public record Unread(Path path, String reason) {
        @Override
        public String toString() {
            return path + ": " + reason;
        }
    }

    /** @throws IOException naming the first path that does not exist or matches nothing */
    public static List<Input> expand(List<String> args, FileSystem fs) throws IOException {
        return expand(args, fs, new Skipped());
    }

    /**
     * The same, noting in {@code skipped} what folder walks and globs left out.
     *
     * @throws IOException naming the first path that does not exist or matches nothing
     */
    public static List<Input> expand(List<String> args, FileSystem fs, Skipped skipped) throws IOException {
        List<Input> out = new ArrayList<>();
        // by where they are, not how they are written or linked: all.log, ./all.log and a link to it are one input
        Map<Path, Path> files = new LinkedHashMap<>();
        for (String arg : args.isEmpty() ? List.of("-") : args) {
            if (arg.equals("-")) {
                flush(files, out);
                out.add(Input.stdin());
                continue;
            }
            if (isGlob(arg)) {
                List<Path> matched = glob(arg, fs, skipped);
                if (matched.isEmpty()) {
                    throw new IOException(arg + ": no file matches");
                }
                matched.forEach(m -> add(files, m));
                continue;
            }
            Path p;
            try {
                p = fs.getPath(arg);
            } catch (InvalidPathException e) {
                throw new IOException(arg + ": invalid path");
            }
            if (Files.isDirectory(p)) {
                List<Path> found = new ArrayList<>();
                walk(p, skipped, f -> {
                    if (hidden(f)) {
                        return;
                    }
                    if (isNotALog(f.getFileName().toString())) {
                        skipped.notLogs.incrementAndGet();
                    } else {
                        found.add(f);
                    }
                });
                found.stream().sorted().forEach(f -> add(files, f));
            } else if (Files.exists(p)) {
                if (!Files.isReadable(p)) {
                    throw new IOException(arg + ": permission denied");
                }
                add(files, p);
            } else {
                throw new IOException(arg + (Files.isSymbolicLink(p) ? ": dangling link" : ": no such file or directory"));
            }
        }
        flush(files, out);
        return out;
    }

    /**
     * Hands every regular file under {@code base} to {@code file}, following links (to files and to
     * folders, each folder once), and notes in {@code skipped} what it cannot read rather than
     * dropping it unsaid or giving up on the rest.
     */
    private static void walk(Path base, Skipped skipped, Consumer<Path> file) throws IOException {
        Files.walkFileTree(base, Set.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    /** A hidden folder below the one given (.git, .snapshot, .Trash) is hidden files: not read. */
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        return !d.equals(base) && hidden(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile()) {
                            file.accept(f);
                        } else if (!hidden(f)) {
                            // following links, a link is reported as itself only when its target is gone
                            skipped.unread.add(new Unread(f, attrs.isSymbolicLink() ? "dangling link" : "not a regular file"));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) {
                        if (!f.equals(base) && hidden(f)) {
                            return FileVisitResult.CONTINUE;   // not read anyway
                        }
                        skipped.unread.add(new Unread(f, e instanceof FileSystemLoopException ? "link loop"
                                : e instanceof AccessDeniedException ? "permission denied"
                                : String.valueOf(e.getMessage())));
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    private static void add(Map<Path, Path> files, Path p) {
        Path where;
        try {
            where = p.toRealPath();
        } catch (IOException gone) {
            where = p.toAbsolutePath().normalize();
        }
        files.putIfAbsent(where, p);
    }

    private static void flush(Map<Path, Path> files, List<Input> out) {
        for (Path p : order(new ArrayList<>(files.values()))) {
            out.add(new Input(p.toString(), p));
        }
        files.clear();
    }

    /** Groups rotated sets and orders each set by rotation time, active file last. */
    static List<Path> order(List<Path> files) {
        Map<String, List<Path>> sets = new LinkedHashMap<>();
        Map<Path, String> stamp = new LinkedHashMap<>();
        for (Path f : files) {
            Backup b = backup(f.getFileName().toString());
            String key;
            if (b != null) {
                key = f.resolveSibling(b.active()).toString();
                stamp.put(f, b.stamp());
            } else {
                key = f.toString();
            }
            sets.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
        }
        List<String> keys = new ArrayList<>(sets.keySet());
        keys.sort(Comparator.naturalOrder());
        List<Path> out = new ArrayList<>();
        for (String key : keys) {
            List<Path> set = sets.get(key);
            set.sort(Comparator.comparing((Path p) -> stamp.getOrDefault(p, "~")).thenComparing(Path::toString));
            Set<String> plainBackups = new LinkedHashSet<>();
            for (Path p : set) {
                if (stamp.containsKey(p) && !p.toString().endsWith(".gz")) {
                    plainBackups.add(p.toString());
                }
            }
            for (Path p : set) {
                String s = p.toString();
                if (stamp.containsKey(p) && s.endsWith(".gz") && plainBackups.contains(s.substring(0, s.length() - 3))) {
                    continue;
                }
                out.add(p);
            }
        }
        return out;
    }

    /** What the file named {@code name} is a backup of, or null when it is no rotated backup. */
    static Backup backup(String name) {
        Matcher m = LUMBERJACK.matcher(name);
        if (m.matches()) {
            return new Backup(m.group(1) + (m.group(3) == null ? "" : m.group(3)), m.group(2));
        }
        m = KUBELET.matcher(name);
        if (m.matches() || (m = DATEEXT.matcher(name)).matches()) {
            return new Backup(m.group(1), m.group(2));
        }
        m = NUMBERED.matcher(name);
        if (m.matches()) {
            // .1 is the newest backup: the stamp falls as the number grows
            return new Backup(m.group(1), String.format("%07d", 9_999_999 - Integer.parseInt(m.group(2))));
        }
        return null;
    }

    /**
     * Whether {@code a} and {@code b} are one file: the same path (the file may not be there yet), or
     * one existing file however named or linked.
     */
    public static boolean isSameFile(Path a, Path b) {
        if (a == null || b == null) {
            return false;
        }
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** True for a rotated backup or a gzipped file: what follow leaves alone when a glob finds it. */
    public static boolean isBackupOrCompressed(String name) {
        return backup(name) != null || name.endsWith(".gz") || NUMBER_SUFFIX.matcher(name).matches();
    }

    /** Whether {@code arg} is a glob ({@code * ? [ {}}), expanded rather than named. */
    public static boolean isGlob(String arg) {
        return arg.indexOf('*') >= 0 || arg.indexOf('?') >= 0 || arg.indexOf('[') >= 0 || arg.indexOf('{') >= 0;
    }

    private static List<Path> glob(String arg, FileSystem fs, Skipped skipped) throws IOException {
        int firstMeta = indexOfMeta(arg);
        int slash = arg.lastIndexOf('/', firstMeta);
        Path base = slash < 0 ? fs.getPath(".") : fs.getPath(slash == 0 ? "/" : arg.substring(0, slash));
        String pattern = slash < 0 ? arg : arg.substring(slash + 1);
        PathMatcher matcher = fs.getPathMatcher("glob:" + pattern);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return out;
        }
        Skipped seen = new Skipped();   // of what the walk could not read, only what the glob names counts
        walk(base, seen, p -> {
            if (matcher.matches(base.relativize(p))) {
                out.add(slash < 0 ? base.relativize(p) : p);
            }
        });
        for (Unread u : seen.unread) {
            if (matcher.matches(base.relativize(u.path()))) {
                skipped.unread.add(slash < 0 ? new Unread(base.relativize(u.path()), u.reason()) : u);
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static int indexOfMeta(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }
}
