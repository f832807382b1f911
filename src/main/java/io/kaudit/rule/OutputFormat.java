package io.kaudit.rule;

import io.kaudit.event.AuditEvent;
import io.kaudit.rule.Ast.FieldOperand;
import io.kaudit.rule.Ast.Operand;
import io.kaudit.rule.Ast.TransformOperand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rule's output template: literal text and {@code %field}, {@code %field[arg]} or
 * {@code %transformer(field)} tokens. After '%' the longest prefix that names a known field is
 * taken, so {@code %ka.target.name/%ka.target.resource} works. Absent values print as
 * {@code <NA>}, lists as {@code (a,b)}.
 */
public final class OutputFormat {
    private static final int MAX_LIST_TEXT = 1023;

    private sealed interface Token permits Literal, FieldToken {
    }

    private record Literal(String text) implements Token {
    }

    private record FieldToken(ConditionCompiler.Bound field, int width) implements Token {
    }

    private final List<Token> tokens;
    private final String template;

    private OutputFormat(String template, List<Token> tokens) {
        this.template = template;
        this.tokens = tokens;
    }

    public String template() {
        return template;
    }

    public static OutputFormat compile(String template, ConditionCompiler binder) throws CompileException {
        List<Token> tokens = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c != '%') {
                literal.append(c);
                i++;
                continue;
            }
            int at = i++;
            if (i >= n) {
                throw new CompileException("'%' at the end of the output", at);
            }
            int width = 0;
            while (i < n && Character.isDigit(template.charAt(i))) {
                width = width * 10 + (template.charAt(i++) - '0');
            }
            int nameStart = i;
            while (i < n && (Character.isLetterOrDigit(template.charAt(i)) || template.charAt(i) == '_'
                    || template.charAt(i) == '.')) {
                i++;
            }
            String word = template.substring(nameStart, i);
            Operand operand;
            if (ConditionParser.TRANSFORMERS.contains(word) && i < n && template.charAt(i) == '(') {
                int close = template.indexOf(')', i);
                if (close < 0) {
                    throw new CompileException("unclosed " + word + "( in output", at);
                }
                String inner = template.substring(i + 1, close).trim();
                operand = new TransformOperand(word, FieldRef.parse(inner).operand(at), at);
                i = close + 1;
            } else {
                int end = word.length();
                while (end > 0 && Fields.get(word.substring(0, end)) == null) {
                    end--;
                }
                if (end == 0) {
                    throw new CompileException("unknown field '%" + word + "' in output" + Fields.didYouMean(word), at);
                }
                String name = word.substring(0, end);
                i = nameStart + end;
                String arg = null;
                if (end == word.length() && i < n && template.charAt(i) == '[') {
                    int close = template.indexOf(']', i);
                    if (close < 0) {
                        throw new CompileException("unclosed '[' after %" + name + " in output", at);
                    }
                    arg = template.substring(i + 1, close);
                    i = close + 1;
                }
                operand = new FieldOperand(name, arg, at);
            }
            if (literal.length() > 0) {
                tokens.add(new Literal(literal.toString()));
                literal.setLength(0);
            }
            tokens.add(new FieldToken(binder.bind(operand), width));
        }
        if (literal.length() > 0) {
            tokens.add(new Literal(literal.toString()));
        }
        return new OutputFormat(template, List.copyOf(tokens));
    }

    /** The message: the template with every token replaced by its value. */
    public String render(AuditEvent e) {
        StringBuilder sb = new StringBuilder(128);
        for (Token t : tokens) {
            if (t instanceof Literal l) {
                sb.append(l.text());
            } else {
                FieldToken f = (FieldToken) t;
                String v = display(f.field().getter().get(e));
                if (f.width() > 0) {
                    v = v.length() > f.width() ? v.substring(0, f.width()) : v + " ".repeat(f.width() - v.length());
                }
                sb.append(v);
            }
        }
        return sb.toString();
    }

    /**
     * Falco's {@code output_fields}: one entry per field token, keyed by its text, sorted by key;
     * a String, a List of Strings, or null when absent. Transformed fields are left out, as in Falco.
     * The map is the caller's to add to.
     */
    public Map<String, Object> fields(AuditEvent e) {
        Map<String, Object> out = new TreeMap<>();
        for (Token t : tokens) {
            if (t instanceof FieldToken f && !f.field().transformed()) {
                out.put(f.field().text(), f.field().getter().get(e));
            }
        }
        return out;
    }

    static String display(Object v) {
        if (v == null) {
            return "<NA>";
        }
        if (v instanceof String s) {
            return s;
        }
        StringBuilder sb = new StringBuilder("(");
        for (Object item : (List<?>) v) {
            sb.append(sb.length() > 1 ? "," : "").append(item);
        }
        String joined = sb.append(')').toString();
        return joined.length() > MAX_LIST_TEXT ? joined.substring(0, MAX_LIST_TEXT) : joined;
    }
}
