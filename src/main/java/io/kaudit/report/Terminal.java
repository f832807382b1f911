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
    public static String sanitize(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0) {
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
