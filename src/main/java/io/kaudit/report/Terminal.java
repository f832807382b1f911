package io.kaudit.report;

import java.nio.file.Files;
import java.nio.file.Path;

/** What we can tell about the terminal without a native library. */
public final class Terminal {
    private Terminal() {
    }

    /** True when file descriptor {@code fd} (1 = stdout, 2 = stderr) is a terminal. */
    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return System.console() != null;
        }
    }

    /** $COLUMNS, else the terminal's own width (asked through JLine), else 120. */
    public static int width() {
        try {
            int w = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            if (w > 20) {
                return w;
            }
        } catch (NumberFormatException ignored) {
            // not set: ask the terminal
        }
        try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true)
                .streams(System.in, System.out).nativeSignals(false).build()) {
            int w = t.getWidth();
            return w > 20 ? w : 120;
        } catch (Exception | LinkageError e) {
            return 120;
        }
    }

    public static boolean colorAllowed() {
        String noColor = System.getenv("NO_COLOR");
        return (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
    }

    /** Untrusted text made safe for a terminal: control characters (and so ANSI escapes) shown as '?'. */
    /**
     * Unicode bidirectional controls (embeddings, overrides such as U+202E, isolates, marks): on a
     * terminal they reorder what follows ("Trojan Source"), so a user name could hide the real one.
     */
    static boolean isBidiControl(char c) {
        return c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0x200e || c == 0x200f || c == 0x061c;
    }

    public static String sanitize(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || isBidiControl(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.substring(0, i));
                }
                sb.append('?');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
