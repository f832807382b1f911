package io.kaudit.framing;

/**
 * Where the parts of one CRI container-log record sit in a line: {@code TIME STREAM TAG CONTENT},
 * STREAM {@code stdout} or {@code stderr}, TAG {@code P} (a part: the line goes on in the next
 * record) or {@code F} (full, or the last part).
 *
 * @param stderr       the server's own log stream (audit events go to stdout)
 * @param partial      tag P
 * @param tagStart     where the tag is: {@code [from, tagStart)} is "TIME STREAM "
 * @param contentStart where the content is, up to the line's end
 */
record CriRecord(boolean stderr, boolean partial, int tagStart, int contentStart) {
    /** The record in {@code [from, end)} (without its newline), or null when the line is none. */
    static CriRecord parse(byte[] b, int from, int end) {
        if (from >= end || b[from] < '0' || b[from] > '9') {
            return null;
        }
        int sp1 = indexOf(b, ' ', from, Math.min(end, from + 64));
        if (sp1 < 0) {
            return null;
        }
        boolean stderr;
        if (matches(b, sp1 + 1, end, "stdout ")) {
            stderr = false;
        } else if (matches(b, sp1 + 1, end, "stderr ")) {
            stderr = true;
        } else {
            return null;
        }
        int tag = sp1 + 8;
        if (tag >= end || b[tag] != 'P' && b[tag] != 'F' || tag + 1 < end && b[tag + 1] != ' ') {
            return null;
        }
        return new CriRecord(stderr, b[tag] == 'P', tag, Math.min(end, tag + 2));
    }

    private static boolean matches(byte[] b, int at, int end, String word) {
        if (at + word.length() > end) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[at + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
