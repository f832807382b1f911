package io.kaudit.rule.sigma;

import com.google.re2j.Pattern;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Reading Sigma fields from an event and matching one value of a Sigma detection against them. */
final class Values {
    private Values() {
    }

    /** Whether some value at {@code keys} (walking arrays) satisfies {@code p}. */
    static boolean any(JsonValue v, List<String> keys, int i, Predicate<JsonValue> p) {
        if (v instanceof JsonArray a) {
            for (JsonValue x : a.items()) {
                if (any(x, keys, i, p)) {
                    return true;
                }
            }
            return false;
        }
        if (i == keys.size()) {
            return p.test(v);
        }
        if (v instanceof JsonObject o) {
            JsonValue c = o.get(keys.get(i));
            return c != null && any(c, keys, i + 1, p);
        }
        return false;
    }

    /** The text of a scalar (a string, number or boolean), or null for null, objects and arrays. */
    static String text(JsonValue v) {
        if (v instanceof JsonString s) {
            return s.value();
        }
        if (v instanceof JsonLiteral l && !l.text().equals("null")) {
            return l.text();
        }
        return null;
    }

    static boolean isNull(JsonValue v) {
        return v instanceof JsonLiteral l && l.text().equals("null");
    }

    /** A Sigma string with wildcards ({@code *}, {@code ?}, escaped with a backslash) as a predicate on text. */
    static Predicate<String> wildcard(String pattern, boolean cased) {
        // tokens: literal chars, '*' (any run) and '?' (one char); \* \? \\ are literals, other backslashes stay
        StringBuilder lit = new StringBuilder();
        StringBuilder kinds = new StringBuilder();   // 'c' literal, '*' star, '?' one
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length() && "*?\\".indexOf(pattern.charAt(i + 1)) >= 0) {
                lit.append(pattern.charAt(++i));
                kinds.append('c');
            } else if (c == '*' || c == '?') {
                lit.append(c);
                kinds.append(c);
            } else {
                lit.append(c);
                kinds.append('c');
            }
        }
        String p = cased ? lit.toString() : lit.toString().toLowerCase(Locale.ROOT);
        String k = kinds.toString();
        int stars = 0;
        int ones = 0;
        for (int i = 0; i < k.length(); i++) {
            stars += k.charAt(i) == '*' ? 1 : 0;
            ones += k.charAt(i) == '?' ? 1 : 0;
        }
        if (ones == 0) {
            if (stars == 0) {
                return cased ? s -> s.equals(p) : s -> s.equalsIgnoreCase(p);
            }
            if (stars == 1 && k.charAt(k.length() - 1) == '*') {
                String pre = p.substring(0, p.length() - 1);
                return s -> s.regionMatches(!cased, 0, pre, 0, pre.length());
            }
            if (stars == 1 && k.charAt(0) == '*') {
                String suf = p.substring(1);
                return s -> s.length() >= suf.length() && s.regionMatches(!cased, s.length() - suf.length(), suf, 0,
                        suf.length());
            }
            if (stars == 2 && k.charAt(0) == '*' && k.charAt(k.length() - 1) == '*' && p.length() >= 2) {
                String mid = p.substring(1, p.length() - 1);
                if (cased) {
                    return s -> s.contains(mid);
                }
                return s -> containsIgnoreCase(s, mid);
            }
        }
        return s -> glob(cased ? s : s.toLowerCase(Locale.ROOT), p, k);
    }

    static boolean containsIgnoreCase(String s, String mid) {
        int n = s.length() - mid.length();
        for (int i = 0; i <= n; i++) {
            if (s.regionMatches(true, i, mid, 0, mid.length())) {
                return true;
            }
        }
        return false;
    }

    /** Linear-space glob with single backtrack point (the classic two-pointer algorithm). */
    private static boolean glob(String s, String p, String kinds) {
        int i = 0;
        int j = 0;
        int star = -1;
        int mark = 0;
        while (i < s.length()) {
            if (j < p.length() && kinds.charAt(j) == '?') {
                i++;
                j++;
            } else if (j < p.length() && kinds.charAt(j) == 'c' && p.charAt(j) == s.charAt(i)) {
                i++;
                j++;
            } else if (j < p.length() && kinds.charAt(j) == '*') {
                star = j++;
                mark = i;
            } else if (star >= 0) {
                j = star + 1;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (j < p.length() && kinds.charAt(j) == '*') {
            j++;
        }
        return j == p.length();
    }

    static Predicate<String> regex(String re, boolean i, boolean m, boolean s) {
        int flags = (i ? Pattern.CASE_INSENSITIVE : 0) | (m ? Pattern.MULTILINE : 0) | (s ? Pattern.DOTALL : 0);
        Pattern p = Pattern.compile(re, flags);
        return x -> p.matcher(x).find();
    }

    /**
     * Whether {@code text} is a number in BigDecimal's syntax (blanks around it allowed; an exponent
     * beyond an int's range aside),
     * without BigDecimal: its class initialiser alone costs a few ms of every start-up.
     */
    static boolean isNumber(String text) {
        String t = text.trim();
        int i = 0;
        int n = t.length();
        if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && Character.isDigit(t.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && t.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(t.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            i++;
            if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
                i++;
            }
            int exp = i;
            while (i < n && Character.isDigit(t.charAt(i))) {
                i++;
            }
            if (i == exp) {
                return false;
            }
        }
        return i == n;
    }

    static BigDecimal number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An IPv4 or IPv6 literal as bytes, or null (never a name lookup). */
    static byte[] ip(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
                    return null;
                }
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return null;
                }
                b[i] = (byte) v;
            }
            return b;
        }
        if (!s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return null;
        }
        try {
            byte[] b = java.net.InetAddress.getByName(s).getAddress();   // a literal: no lookup
            if (b.length == 4) {   // ::ffff:a.b.c.d
                return b;
            }
            return b;
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** A CIDR network as a predicate on address text. */
    static Predicate<String> cidr(String spec) {
        int slash = spec.indexOf('/');
        byte[] net = ip(slash < 0 ? spec : spec.substring(0, slash));
        if (net == null) {
            throw new IllegalArgumentException("'" + spec + "' is not a CIDR network");
        }
        int bits;
        try {
            bits = slash < 0 ? net.length * 8 : Integer.parseInt(spec.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + spec + "' is not a CIDR network");
        }
        if (bits < 0 || bits > net.length * 8) {
            throw new IllegalArgumentException("'" + spec + "': prefix length out of range");
        }
        return x -> {
            byte[] a = ip(x);
            if (a == null || a.length != net.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (net[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        };
    }
}
