package io.kaudit.rule;

/** POSIX fnmatch without flags: '*' and '?' also match '/', bracket classes with '!' or '^'. */
final class Glob {
    private Glob() {
    }

    static boolean matches(String pattern, String s) {
        int p = 0;
        int i = 0;
        int starP = -1;
        int starI = -1;
        while (i < s.length()) {
            if (p < pattern.length()) {
                char c = pattern.charAt(p);
                if (c == '*') {
                    starP = p++;
                    starI = i;
                    continue;
                }
                if (c == '?') {
                    p++;
                    i++;
                    continue;
                }
                if (c == '[') {
                    int end = classEnd(pattern, p);
                    if (end > 0) {
                        if (classMatches(pattern, p + 1, end, s.charAt(i))) {
                            p = end + 1;
                            i++;
                            continue;
                        }
                    } else if (s.charAt(i) == '[') {
                        p++;
                        i++;
                        continue;
                    }
                } else {
                    char literal = c;
                    int width = 1;
                    if (c == '\\' && p + 1 < pattern.length()) {
                        literal = pattern.charAt(p + 1);
                        width = 2;
                    }
                    if (literal == s.charAt(i)) {
                        p += width;
                        i++;
                        continue;
                    }
                }
            }
            if (starP < 0) {
                return false;
            }
            p = starP + 1;
            i = ++starI;
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static int classEnd(String pattern, int open) {
        int j = open + 1;
        if (j < pattern.length() && (pattern.charAt(j) == '!' || pattern.charAt(j) == '^')) {
            j++;
        }
        if (j < pattern.length() && pattern.charAt(j) == ']') {
            j++;
        }
        while (j < pattern.length() && pattern.charAt(j) != ']') {
            j++;
        }
        return j < pattern.length() ? j : -1;
    }

    private static boolean classMatches(String pattern, int from, int end, char c) {
        boolean negate = pattern.charAt(from) == '!' || pattern.charAt(from) == '^';
        int j = negate ? from + 1 : from;
        boolean hit = false;
        boolean first = true;
        while (j < end) {
            char lo = pattern.charAt(j);
            if (lo == ']' && !first) {
                break;
            }
            first = false;
            if (j + 2 < end && pattern.charAt(j + 1) == '-') {
                char hi = pattern.charAt(j + 2);
                if (c >= lo && c <= hi) {
                    hit = true;
                }
                j += 3;
            } else {
                if (c == lo) {
                    hit = true;
                }
                j++;
            }
        }
        return hit != negate;
    }
}
