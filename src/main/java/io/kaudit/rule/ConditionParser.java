package io.kaudit.rule;

import io.kaudit.rule.Ast.And;
import io.kaudit.rule.Ast.Check;
import io.kaudit.rule.Ast.Expr;
import io.kaudit.rule.Ast.FieldOperand;
import io.kaudit.rule.Ast.ListOperand;
import io.kaudit.rule.Ast.MacroRef;
import io.kaudit.rule.Ast.Not;
import io.kaudit.rule.Ast.Operand;
import io.kaudit.rule.Ast.Or;
import io.kaudit.rule.Ast.TransformOperand;
import io.kaudit.rule.Ast.ValOperand;
import io.kaudit.rule.Ast.ValueOperand;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses Falco's condition language (libsinsp's grammar): {@code or} below {@code and} below
 * {@code not}; keywords need a blank or '(' after them; operators, quoting and escapes as libsinsp
 * accepts them. Lists must already be substituted into the text ({@link ListExpander}).
 */
public final class ConditionParser {
    public static final Set<String> TRANSFORMERS = Set.of("tolower", "toupper", "b64", "basename", "len");
    private static final List<Op> NUM_OPS = Op.ofKind(Op.Kind.NUMERIC);
    private static final List<Op> SYMBOL_OPS = Op.ofKind(Op.Kind.SYMBOL);
    private static final List<Op> WORD_OPS = Op.ofKind(Op.Kind.WORD);
    private static final List<Op> LIST_OPS = Op.ofKind(Op.Kind.LIST);
    private static final int MAX_DEPTH = 1000;

    private final String s;
    private int pos;
    private int depth;

    private ConditionParser(String s) {
        this.s = s;
    }

    public static Expr parse(String condition) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(condition);
        p.blanks();
        if (p.pos == p.s.length()) {
            throw new ConditionSyntaxException("empty condition", 0);
        }
        Expr e = p.or();
        p.blanks();
        if (p.pos < p.s.length()) {
            String rest = p.s.substring(p.pos).strip();
            if (rest.equals("and") || rest.equals("or") || rest.equals("not")) {
                throw p.error("'" + rest + "' at the end of condition needs an expression after it");
            }
            throw p.error("unexpected token after '" + p.s.substring(0, p.pos).strip() + "'");
        }
        return e;
    }

    private Expr or() throws ConditionSyntaxException {
        int start = pos;
        List<Expr> terms = new ArrayList<>();
        terms.add(and());
        while (keyword("or")) {
            terms.add(and());
        }
        return terms.size() == 1 ? terms.get(0) : new Or(terms, start);
    }

    private Expr and() throws ConditionSyntaxException {
        int start = pos;
        List<Expr> terms = new ArrayList<>();
        terms.add(not());
        while (keyword("and")) {
            terms.add(not());
        }
        return terms.size() == 1 ? terms.get(0) : new And(terms, start);
    }

    private Expr not() throws ConditionSyntaxException {
        blanks();
        int start = pos;
        boolean negate = false;
        while (keyword("not")) {
            negate = !negate;
        }
        Expr e = check();
        return negate ? new Not(e, start) : e;
    }

    private Expr check() throws ConditionSyntaxException {
        blanks();
        int start = pos;
        if (peek() == '(') {
            if (++depth > MAX_DEPTH) {
                throw error("condition nested too deeply");
            }
            pos++;
            Expr e = or();
            blanks();
            expect(')');
            depth--;
            return e;
        }
        String word = word();
        if (word.isEmpty()) {
            throw error(pos >= s.length() ? "unexpected end of condition" : "expected a field, a macro or '('");
        }
        Operand left;
        if (TRANSFORMERS.contains(word) && peek() == '(') {
            pos = start;
            left = transformer();
        } else if (word.indexOf('.') > 0) {
            pos = start;
            left = field();
        } else if (isIdentifier(word)) {
            return new MacroRef(word, start);
        } else {
            pos = start;
            throw error("invalid identifier '" + word + "'");
        }
        return condition(left, start);
    }

    private Check condition(Operand left, int start) throws ConditionSyntaxException {
        blanks();
        if (wordIs(Op.EXISTS.text())) {
            pos += Op.EXISTS.text().length();
            return new Check(left, Op.EXISTS, null, start);
        }
        for (Op op : NUM_OPS) {
            String t = spelledAt(op);
            if (t != null) {
                pos += t.length();
                return new Check(left, op, numericValue(), start);
            }
        }
        for (Op op : SYMBOL_OPS) {
            String t = spelledAt(op);
            if (t != null) {
                pos += t.length();
                return new Check(left, op, stringValue(), start);
            }
        }
        for (Op op : WORD_OPS) {
            String t = spelledAt(op);
            if (t != null && pos + t.length() < s.length() && isBlank(s.charAt(pos + t.length()))) {
                pos += t.length();
                return new Check(left, op, stringValue(), start);
            }
        }
        for (Op op : LIST_OPS) {
            String t = spelledAt(op);
            if (t != null) {
                int after = pos + t.length();
                if (after < s.length() && (isBlank(s.charAt(after)) || s.charAt(after) == '(')) {
                    pos = after;
                    return new Check(left, op, listValue(), start);
                }
            }
        }
        throw error(pos >= s.length() ? "missing operator after field" : "unknown operator");
    }

    /** How {@code op} is spelled at the position (the first of its spellings found there), or null. */
    private String spelledAt(Op op) {
        for (String t : op.spellings()) {
            if (s.startsWith(t, pos)) {
                return t;
            }
        }
        return null;
    }

    private Operand numericValue() throws ConditionSyntaxException {
        blanks();
        int start = pos;
        Operand special = fieldValue();
        if (special != null) {
            return special;
        }
        int i = pos;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            int j = i + 2;
            while (j < s.length() && Character.digit(s.charAt(j), 16) >= 0) {
                j++;
            }
            if (j > i + 2) {
                pos = j;
                return new ValueOperand(s.substring(start, j), start);
            }
        }
        int digits = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == digits) {
            throw error("expected a number");
        }
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            int expDigits = j;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                j++;
            }
            if (j > expDigits) {
                i = j;
            }
        }
        pos = i;
        return new ValueOperand(s.substring(start, i), start);
    }

    private Operand stringValue() throws ConditionSyntaxException {
        blanks();
        int start = pos;
        Operand special = fieldValue();
        if (special != null) {
            return special;
        }
        char c = peek();
        if (c == '"' || c == '\'') {
            return new ValueOperand(quoted(), start);
        }
        String bare = bare();
        if (bare.isEmpty()) {
            throw error("expected a value");
        }
        return new ValueOperand(bare, start);
    }

    private Operand listValue() throws ConditionSyntaxException {
        blanks();
        int start = pos;
        Operand special = fieldValue();
        if (special != null) {
            return special;
        }
        if (peek() != '(') {
            String w = word();
            pos = start;
            throw error(w.isEmpty() ? "expected '(' to open a list" : "'" + w + "' is not a defined list");
        }
        pos++;
        List<String> values = new ArrayList<>();
        blanks();
        if (peek() == ')') {
            pos++;
            return new ListOperand(values, start);
        }
        while (true) {
            blanks();
            char c = peek();
            String v = c == '"' || c == '\'' ? quoted() : bare();
            if (v.isEmpty() && c != '"' && c != '\'') {
                throw error("expected a list value");
            }
            values.add(v);
            blanks();
            if (peek() == ',') {
                pos++;
                continue;
            }
            expect(')');
            return new ListOperand(values, start);
        }
    }

    /** {@code val(field)} or a transformer on the right-hand side; null if neither. */
    private Operand fieldValue() throws ConditionSyntaxException {
        int start = pos;
        if (s.startsWith("val(", pos)) {
            pos += 4;
            blanks();
            Operand f = word().indexOf('.') > 0 ? resetAndField(start + 4) : null;
            if (f == null) {
                throw error("val() needs a field");
            }
            blanks();
            expect(')');
            return new ValOperand(f, start);
        }
        for (String t : TRANSFORMERS) {
            if (s.startsWith(t + "(", pos)) {
                return transformer();
            }
        }
        return null;
    }

    private Operand resetAndField(int at) throws ConditionSyntaxException {
        pos = at;
        blanks();
        return field();
    }

    private Operand transformer() throws ConditionSyntaxException {
        int start = pos;
        String name = word();
        expect('(');
        blanks();
        int argStart = pos;
        String inner = word();
        Operand arg;
        if (TRANSFORMERS.contains(inner) && peek() == '(') {
            pos = argStart;
            arg = transformer();
        } else if (inner.indexOf('.') > 0) {
            pos = argStart;
            arg = field();
        } else {
            pos = argStart;
            throw error(name + "() needs a field");
        }
        blanks();
        expect(')');
        return new TransformOperand(name, arg, start);
    }

    private FieldOperand field() throws ConditionSyntaxException {
        int start = pos;
        String name = word();
        String arg = null;
        if (peek() == '[') {
            pos++;
            char c = peek();
            if (c == '"' || c == '\'') {
                arg = quoted();
            } else {
                int a = pos;
                while (pos < s.length() && "[]\"' \t\r\n\b".indexOf(s.charAt(pos)) < 0) {
                    pos++;
                }
                arg = s.substring(a, pos);
            }
            expect(']');
        }
        return new FieldOperand(name, arg, start);
    }

    private String quoted() throws ConditionSyntaxException {
        char q = s.charAt(pos);
        int start = pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == q) {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= s.length()) {
                break;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case ' ' -> sb.append("\\ ");
                case 'x' -> {
                    if (pos + 2 > s.length() || Character.digit(s.charAt(pos), 16) < 0
                            || Character.digit(s.charAt(pos + 1), 16) < 0) {
                        pos -= 2;
                        throw error("invalid \\x escape in quoted string");
                    }
                    sb.append((char) Integer.parseInt(s.substring(pos, pos + 2), 16));
                    pos += 2;
                }
                default -> {
                    if (e == q) {
                        sb.append(e);
                    } else {
                        pos -= 2;
                        throw error("invalid escape '\\" + e + "' in quoted string");
                    }
                }
            }
        }
        pos = start;
        throw error("unterminated quoted string");
    }

    private String bare() {
        int start = pos;
        while (pos < s.length() && "()\"' \t\r\n\b=,".indexOf(s.charAt(pos)) < 0) {
            pos++;
        }
        return s.substring(start, pos);
    }

    private String word() {
        int start = pos;
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                pos++;
            } else {
                break;
            }
        }
        return s.substring(start, pos);
    }

    /** Consumes {@code kw} if it is next, followed by a blank or '('. */
    private boolean keyword(String kw) {
        int save = pos;
        blanks();
        if (s.startsWith(kw, pos)) {
            int after = pos + kw.length();
            if (after < s.length() && (isBlank(s.charAt(after)) || s.charAt(after) == '(')) {
                pos = after;
                return true;
            }
        }
        pos = save;
        return false;
    }

    private boolean wordIs(String w) {
        if (!s.startsWith(w, pos)) {
            return false;
        }
        int after = pos + w.length();
        return after >= s.length() || !(Character.isLetterOrDigit(s.charAt(after)) || s.charAt(after) == '_');
    }

    private static boolean isIdentifier(String w) {
        if (w.isEmpty() || !Character.isLetter(w.charAt(0))) {
            return false;
        }
        for (int i = 1; i < w.length(); i++) {
            char c = w.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '_') {
                return false;
            }
        }
        return true;
    }

    private void expect(char c) throws ConditionSyntaxException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void blanks() {
        while (pos < s.length() && isBlank(s.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\b';
    }

    private ConditionSyntaxException error(String message) {
        return new ConditionSyntaxException(message, Math.min(pos, s.length()));
    }
}
