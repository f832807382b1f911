package io.kaudit.rule.sigma;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Sigma condition: {@code and}, {@code or}, {@code not}, parentheses, selection names, and
 * {@code 1 of x*}, {@code any of x*}, {@code all of x*}, {@code 1 of them}, {@code all of them}
 * ({@code them}: every selection whose name does not start with '_'). Precedence: not, and, or.
 */
final class ConditionText {
    private final List<String> tokens = new ArrayList<>();
    private final Map<String, Detection.Compiled> named;
    private int pos;

    ConditionText(String text, Map<String, Detection.Compiled> named) {
        this.named = named;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')') {
                tokens.add(String.valueOf(c));
                i++;
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != '('
                        && text.charAt(i) != ')') {
                    i++;
                }
                tokens.add(text.substring(start, i));
            }
        }
    }

    Detection.Compiled parse() {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("empty condition");
        }
        Detection.Compiled c = or();
        if (pos < tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + tokens.get(pos) + "'");
        }
        return c;
    }

    private String peek() {
        return pos < tokens.size() ? tokens.get(pos) : null;
    }

    private boolean keyword(String k) {
        String p = peek();
        if (p != null && p.toLowerCase(Locale.ROOT).equals(k)) {
            pos++;
            return true;
        }
        return false;
    }

    private Detection.Compiled or() {
        List<Detection.Compiled> parts = new ArrayList<>();
        parts.add(and());
        while (keyword("or")) {
            parts.add(and());
        }
        return Detection.or(parts);
    }

    private Detection.Compiled and() {
        List<Detection.Compiled> parts = new ArrayList<>();
        parts.add(unary());
        while (keyword("and")) {
            parts.add(unary());
        }
        return Detection.and(parts);
    }

    private Detection.Compiled unary() {
        if (keyword("not")) {
            return Detection.not(unary());
        }
        String t = peek();
        if (t == null) {
            throw new IllegalArgumentException("the condition ends too early");
        }
        if (t.equals("(")) {
            pos++;
            Detection.Compiled c = or();
            if (!")".equals(peek())) {
                throw new IllegalArgumentException("missing ')'");
            }
            pos++;
            return c;
        }
        if (t.equals(")")) {
            throw new IllegalArgumentException("unexpected ')'");
        }
        pos++;
        String next = peek();
        if (next != null && next.toLowerCase(Locale.ROOT).equals("of")) {
            pos++;
            String target = peek();
            if (target == null) {
                throw new IllegalArgumentException("'" + t + " of' needs a selection pattern or 'them'");
            }
            pos++;
            return quantifier(t.toLowerCase(Locale.ROOT), target);
        }
        if (List.of("and", "or", "of").contains(t.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unexpected '" + t + "'");
        }
        Detection.Compiled c = named.get(t);
        if (c == null) {
            throw new IllegalArgumentException("no selection named '" + t + "'");
        }
        return c;
    }

    private Detection.Compiled quantifier(String how, String target) {
        List<Detection.Compiled> chosen = new ArrayList<>();
        for (Map.Entry<String, Detection.Compiled> e : named.entrySet()) {
            boolean in = target.equals("them") ? !e.getKey().startsWith("_") : matches(target, e.getKey());
            if (in) {
                chosen.add(e.getValue());
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("'" + how + " of " + target + "' names no selection");
        }
        if (how.equals("all")) {
            return Detection.and(chosen);
        }
        if (how.equals("1") || how.equals("any")) {
            return Detection.or(chosen);
        }
        int n;
        try {
            n = Integer.parseInt(how);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + how + " of': expected 1, any, all or a number");
        }
        if (n < 1) {
            throw new IllegalArgumentException("'" + how + " of': the count must be at least 1");
        }
        // at least n of them: an or of and-combinations would explode; count instead
        io.kaudit.rule.Condition[] cs = chosen.stream().map(Detection.Compiled::condition)
                .toArray(io.kaudit.rule.Condition[]::new);
        io.kaudit.rule.Condition c = e -> {
            int k = 0;
            for (io.kaudit.rule.Condition x : cs) {
                if (x.test(e) && ++k >= n) {
                    return true;
                }
            }
            return false;
        };
        Detection.Compiled any = Detection.or(chosen);
        long possible = chosen.stream().filter(x -> !x.never()).count();
        return new Detection.Compiled(c, any.tree(), possible < n, possible < n ? any.why() : null);
    }

    /** A name pattern with '*' wildcards (Sigma's {@code selection_*}). */
    private static boolean matches(String pattern, String name) {
        String regex = ("\\Q" + pattern.replace("*", "\\E.*\\Q") + "\\E");
        return name.matches(regex);
    }
}
