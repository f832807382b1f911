package io.kaudit.rule;

import java.util.List;

/** A rules file that cannot be loaded; the message names the file, line and item (one error a line). */
public final class RuleLoadException extends Exception {
    private final List<String> errors;
    private final List<String> warnings;

    public RuleLoadException(String message) {
        super(message);
        this.errors = List.of(message);
        this.warnings = List.of();
    }

    /** Several errors found in one pass, in order. */
    public RuleLoadException(List<String> errors) {
        this(errors, List.of());
    }

    /** Several errors found in one pass, and the warnings that pass gave (unused lists and macros, ...). */
    public RuleLoadException(List<String> errors, List<String> warnings) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
        this.warnings = List.copyOf(warnings);
    }

    /** The warnings found on the way to the errors: {@code rules check} shows them too. */
    public List<String> warnings() {
        return warnings;
    }

    /** A YAML file that does not parse: its line and column and the problem, on one line. */
    public static RuleLoadException ofYaml(Object file, org.yaml.snakeyaml.error.YAMLException e) {
        if (e instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
            return new RuleLoadException(file + ":" + (m.getProblemMark().getLine() + 1) + ":"
                    + (m.getProblemMark().getColumn() + 1) + ": YAML syntax error: " + m.getProblem());
        }
        return new RuleLoadException(file + ": YAML error: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
    }

    /** Each error on its own (one, unless the loader went on past the first). */
    public List<String> errors() {
        return errors;
    }
}
