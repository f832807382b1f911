package io.kaudit.rule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

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

    /**
     * Lists by name, so that a condition is matched against the few lists its words name rather than
     * against every list (which made loading grow with rules times lists). A name free of delimiters
     * matches exactly where it is a whole word (a maximal run of non-delimiters); names holding a
     * delimiter, or given twice, are tried on every condition as before.
     */
    public static final class Index {
        private final List<Named> lists;
        private final Map<String, Integer> byWord = new HashMap<>();
        private final List<Integer> always = new ArrayList<>();

        public Index(List<Named> lists) {
            this.lists = List.copyOf(lists);
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < this.lists.size(); i++) {
                String name = this.lists.get(i).name();
                if (name.isEmpty()) {
                    continue;
                }
                Integer twice = seen.put(name, i);
                if (twice != null) {
                    byWord.remove(name);
                    always.add(twice);
                    always.add(i);
                } else if (hasDelimiter(name)) {
                    always.add(i);
                } else {
                    byWord.put(name, i);
                }
            }
        }

        /** Adds the positions of lists named by a word of {@code text}. */
        void words(String text, TreeSet<Integer> to) {
            int n = text.length();
            int i = 0;
            while (i < n) {
                while (i < n && DELIMS.indexOf(text.charAt(i)) >= 0) {
                    i++;
                }
                int from = i;
                while (i < n && DELIMS.indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                if (i > from) {
                    Integer at = byWord.get(text.substring(from, i));
                    if (at != null) {
                        to.add(at);
                    }
                }
            }
        }
    }

    private static boolean hasDelimiter(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (DELIMS.indexOf(name.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Applies every list, in order; {@code used} gets the names of lists that matched. */
    public static String expand(String condition, List<Named> lists, java.util.Set<String> used) {
        return expand(condition, new Index(lists), used);
    }

    /**
     * Same result as applying every list in order: a list whose name is no word of the text at its
     * turn changes nothing, and the only words a substitution adds are those of the list's items
     * (it puts a blank on both sides), so only lists named by a word of the condition or of an
     * inserted list are tried, in order.
     */
    public static String expand(String condition, Index index, java.util.Set<String> used) {
        TreeSet<Integer> pending = new TreeSet<>(index.always);
        index.words(condition, pending);
        String c = condition;
        Integer at = pending.isEmpty() ? null : pending.first();
        while (at != null) {
            Named list = index.lists.get(at);
            String replaced = substitute(c, list);
            if (replaced != c) {
                used.add(list.name());
                c = replaced;
                for (String item : list.items()) {
                    index.words(item, pending);
                }
            }
            at = pending.higher(at);
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
