package io.kaudit.rule;

import java.util.List;

/**
 * A compiled k8s_audit rule.
 *
 * @param index    position of its first definition: the evaluation order
 * @param tree     the condition with macros resolved, for analysis (the rule index)
 * @param language {@code falco}, {@code sigma} or {@code correlation}
 * @param id       the Sigma rule id ("" when none)
 * @param oncePerRequest alert at most once per auditID (tag {@code once_per_request}: a request logged
 *                       at several stages, such as an exec's ResponseStarted and ResponseComplete)
 */
public record Rule(String name, String description, Priority priority, String source, List<String> tags,
                   boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                   String file, int line, int index, String language, String id, boolean oncePerRequest) {
    public static final String FALCO = "falco";
    public static final String SIGMA = "sigma";
    public static final String CORRELATION = "correlation";
    /** The tag that makes a rule alert once per request whichever stages the audit policy logs. */
    public static final String ONCE_PER_REQUEST = "once_per_request";

    /** A Falco rule: once per request when tagged so. */
    public Rule(String name, String description, Priority priority, String source, List<String> tags,
                boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                String file, int line, int index) {
        this(name, description, priority, source, tags, enabled, condition, conditionText, tree, output, file, line,
                index, FALCO, "");
    }

    /** A rule of {@code language}: once per request when tagged so. */
    public Rule(String name, String description, Priority priority, String source, List<String> tags,
                boolean enabled, Condition condition, String conditionText, Ast.Expr tree, OutputFormat output,
                String file, int line, int index, String language, String id) {
        this(name, description, priority, source, tags, enabled, condition, conditionText, tree, output, file, line,
                index, language, id, tags.contains(ONCE_PER_REQUEST));
    }
}
