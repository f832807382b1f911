package io.kaudit.rule;

/**
 * A field reference as text names it: {@code ka.user.name}, {@code ka.uri.param[command]},
 * {@code ka.req.pod.containers.image[0]}, {@code jevt.value[/user/username]}. The one parser of
 * {@code name[arg]} outside the condition lexer (the REPL, output transformers, the rule index,
 * Sigma group-by fields).
 *
 * @param arg null when there is no {@code [...]}; may be empty ({@code jevt.value[]})
 */
public record FieldRef(String name, String arg) {

    /**
     * Splits at the first {@code [} when the text ends with {@code ]} and has a name before it
     * (an argument may hold brackets of its own: {@code jevt.value[/a[0]]}); otherwise the whole
     * text is the name, and an unknown field is reported by the caller as it is.
     */
    public static FieldRef parse(String text) {
        int bracket = text.indexOf('[');
        if (bracket > 0 && text.endsWith("]")) {
            return new FieldRef(text.substring(0, bracket), text.substring(bracket + 1, text.length() - 1));
        }
        return new FieldRef(text, null);
    }

    /** The text again: {@code name} or {@code name[arg]}. */
    public String text() {
        return arg == null ? name : name + "[" + arg + "]";
    }

    /** As a condition operand at {@code pos}. */
    public Ast.FieldOperand operand(int pos) {
        return new Ast.FieldOperand(name, arg, pos);
    }
}
