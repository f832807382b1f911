package io.kaudit.rule;

import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a rule's exceptions to condition text as Falco does:
 * {@code (cond) and not (X1) and not (X2) ...}, one term per exception with values.
 */
final class ExceptionText {
    private ExceptionText() {
    }

    /** One exception: {@code fields} is a String (single form) or a List of Strings (tuple form). */
    record Exception(String name, Object fields, List<String> comps, List<Object> values) {
    }

    static String apply(String condition, List<Exception> exceptions) {
        StringBuilder sb = new StringBuilder("(").append(condition).append(")");
        for (Exception e : exceptions) {
            if (e.values() == null || e.values().isEmpty()) {
                continue;
            }
            sb.append(" and not ").append(term(e));
        }
        return sb.toString();
    }

    private static String term(Exception e) {
        if (e.fields() instanceof String field) {
            String comp = e.comps() != null && !e.comps().isEmpty() ? e.comps().get(0) : "in";
            List<String> values = new ArrayList<>();
            for (Object v : e.values()) {
                values.add(quote(String.valueOf(v)));
            }
            return "(" + field + " " + comp + " (" + String.join(", ", values) + "))";
        }
        @SuppressWarnings("unchecked")
        List<String> fields = (List<String>) e.fields();
        List<String> tuples = new ArrayList<>();
        for (Object tuple : e.values()) {
            List<?> items = (List<?>) tuple;
            List<String> checks = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                String comp = e.comps() != null && i < e.comps().size() ? e.comps().get(i) : "=";
                checks.add(fields.get(i) + " " + comp + " " + value(items.get(i), comp));
            }
            tuples.add("(" + String.join(" and ", checks) + ")");
        }
        return "(" + String.join(" or ", tuples) + ")";
    }

    private static String value(Object item, String comp) {
        if (item instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object o : list) {
                parts.add(quote(String.valueOf(o)));
            }
            return "(" + String.join(", ", parts) + ")";
        }
        String s = quote(String.valueOf(item));
        Op op = Op.of(comp);
        if (op != null && op.takesList() && !s.startsWith("(")) {
            return "(" + s + ")";
        }
        return s;
    }

    private static String quote(String s) {
        return s.indexOf(' ') >= 0 ? "\"" + s + "\"" : s;
    }
}
