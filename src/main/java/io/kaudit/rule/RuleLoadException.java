package io.kaudit.rule;

import java.util.List;

/** A rules file that cannot be loaded; the message names the file, line and item (one error a line). */
public final class RuleLoadException extends Exception {
    private final List<String> errors;

    public RuleLoadException(String message) {
        super(message);
        this.errors = List.of(message);
    }

    /** Several errors found in one pass, in order. */
    public RuleLoadException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
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
