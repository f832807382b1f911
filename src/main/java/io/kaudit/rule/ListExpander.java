package io.kaudit.rule;

import java.util.List;

/**
 * Substitutes lists into condition text the way Falco does, before parsing: every occurrence of a
 * list's name delimited by the start or end of the text or one of {@code blank ( ) , =} is replaced
 * by its items joined with ", " (surrounding blanks eaten; an empty list also eats one adjacent
 * comma). It is blind to quoting and adds no parentheses, exactly as in Falco.
 */
public final class ListExpander {
    private static final String BLANKS = " \t\n\r";
    private static final String DELIMS = BLANKS + "(),=";

    private ListExpander() {
    }

    /** Items of a list are already expanded and quoted where they hold a space. */
    public record Named(String name, List<String> items) {
    }

    /** Applies every list, in order; {@code used} gets the names of lists that matched. */
    public static String expand(String condition, List<Named> lists, java.util.Set<String> used) {
        String c = condition;
        for (Named list : lists) {
            String replaced = substitute(c, list);
            if (replaced != c) {
                used.add(list.name());
                c = replaced;
            }
        }
        return c;
    }

    /** Returns {@code c} itself when nothing matched. */
    static String substitute(String c, Named list) {
        String name = list.name();
        if (name.isEmpty() || c.indexOf(name) < 0) {
            return c;
        }
        String sub = String.join(", ", list.items());

        int start = c.indexOf(name);
        while (start >= 0) {
            int end = start + name.length();
            boolean delimitedLeft = start == 0 || DELIMS.indexOf(c.charAt(start - 1)) >= 0;
            boolean delimitedRight = end >= c.length() || DELIMS.indexOf(c.charAt(end)) >= 0;
            if (delimitedLeft && delimitedRight) {
                while (start > 0 && BLANKS.indexOf(c.charAt(start - 1)) >= 0) {
                    start--;
                }
                while (end < c.length() && BLANKS.indexOf(c.charAt(end)) >= 0) {
                    end++;
                }
                if (sub.isEmpty()) {
                    if (start > 0 && c.charAt(start - 1) == ',') {
                        start--;
                    } else if (end < c.length() && c.charAt(end) == ',') {
                        end++;
                    }
                }
                StringBuilder sb = new StringBuilder(c.length() + sub.length() + 2);
                if (start > 0) {
                    sb.append(c, 0, start).append(' ');
                }
                sb.append(sub).append(' ');
                sb.append(c, end, c.length());
                int resume = (start > 0 ? start + 1 : 0) + sub.length();
                c = sb.toString();

                start = c.indexOf(name, resume);
            } else {
                start = c.indexOf(name, start + 1);
            }
        }
        return c;
    }

    /** Falco quotes list items that hold a space, and nothing else. */
    public static String quoteItem(String item) {
        return item.indexOf(' ') >= 0 ? "\"" + item + "\"" : item;
    }
}
