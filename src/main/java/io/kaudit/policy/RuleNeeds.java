package io.kaudit.policy;

import io.kaudit.policy.AuditPolicy.Level;
import io.kaudit.rule.Ast;
import io.kaudit.rule.FieldDef;
import io.kaudit.rule.Fields;
import io.kaudit.rule.Op;
import io.kaudit.rule.Requirements;
import io.kaudit.rule.Rule;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a compiled rule needs from the audit policy, read from its resolved condition: the values
 * the condition forces on the request's verb, resource, subresource, namespace, name, user and
 * stage (as the rule index derives them: only what the condition implies, {@code ""} meaning
 * "absent"), and the level its fields need. A condition that reads a body and cannot hold once
 * that body is gone is blind below the level; one that still can is only changed there.
 *
 * @param values          field -> the values it must take (missing: any)
 * @param level           the level at which every field the condition reads is recorded
 * @param firesAtMetadata whether the condition can hold on an event without bodies
 * @param firesAtRequest  whether the condition can hold on an event without a response body
 * @param bodyFields      the fields read that live in a request or response body
 */
public record RuleNeeds(Rule rule, Map<String, Set<String>> values, Level level, boolean firesAtMetadata,
                        boolean firesAtRequest, Set<String> bodyFields) {

    public static final String VERB = "ka.verb";
    public static final String RESOURCE = "ka.target.resource";
    public static final String SUBRESOURCE = "ka.target.subresource";
    public static final String NAMESPACE = "ka.target.namespace";
    public static final String NAME = "ka.target.name";
    public static final String USER = "ka.user.name";
    public static final String STAGE = "stage";
    private static final Set<String> KEPT = Set.of(VERB, RESOURCE, SUBRESOURCE, NAMESPACE, NAME, USER, "ka.stage",
            "jevt.value[/stage]", "jevt.value[/verb]", "jevt.value[/objectRef/resource]",
            "jevt.value[/objectRef/subresource]", "jevt.value[/objectRef/namespace]");

    public static RuleNeeds of(Rule r) {
        Map<String, Set<String>> raw = requirements(r.tree());
        Map<String, Set<String>> values = new HashMap<>();
        raw.forEach((k, v) -> {
            String key = switch (k) {
                case "ka.stage", "jevt.value[/stage]" -> STAGE;
                case "jevt.value[/verb]" -> VERB;
                case "jevt.value[/objectRef/resource]" -> RESOURCE;
                case "jevt.value[/objectRef/subresource]" -> SUBRESOURCE;
                case "jevt.value[/objectRef/namespace]" -> NAMESPACE;
                default -> k;
            };
            values.merge(key, v, Requirements::intersect);
        });
        Set<String> req = new TreeSet<>();
        Set<String> resp = new TreeSet<>();
        bodyFields(r.tree(), req, resp);
        Level level = !resp.isEmpty() ? Level.RequestResponse : !req.isEmpty() ? Level.Request : Level.Metadata;
        Set<String> all = new TreeSet<>(req);
        all.addAll(resp);
        boolean atMetadata = eval(r.tree(), Set.of("requestObject", "responseObject")) != Boolean.FALSE;
        boolean atRequest = eval(r.tree(), Set.of("responseObject")) != Boolean.FALSE;
        return new RuleNeeds(r, values, level, atMetadata, atRequest, all);
    }

    /** The values {@code field} must take, or null for any. */
    public Set<String> get(String field) {
        return values.get(field);
    }

    /** Whether the rule still fires identically, fires differently, or not at all at {@code l}. */
    public Effect at(Level l) {
        if (l.atLeast(level)) {
            return Effect.SAME;
        }
        boolean fires = l == Level.Request ? firesAtRequest : l == Level.Metadata && firesAtMetadata;
        return fires ? Effect.CHANGED : Effect.NONE;
    }

    public enum Effect {
        SAME, CHANGED, NONE
    }

    /** Field -> values it must equal ("" = absent); only what the tree implies. */
    static Map<String, Set<String>> requirements(Ast.Expr e) {
        return Requirements.of(e, RuleNeeds::leaf);
    }

    /** {@code not f exists}, {@code f = v}, {@code f in (...)} and Sigma's plain values for the fields a policy decides on. */
    private static void leaf(Ast.Expr e, Map<String, Set<String>> out) {
        if (e instanceof Ast.Not n && n.child() instanceof Ast.Check c && c.op() == Op.EXISTS
                && c.left() instanceof Ast.FieldOperand f && KEPT.contains(f.text())) {
            out.put(f.text(), Set.of(""));
        } else if (e instanceof Ast.Check c && c.left() instanceof Ast.FieldOperand f && KEPT.contains(f.text())) {
            if (c.op() == Op.EQ && c.right() instanceof Ast.ValueOperand v) {
                out.put(f.text(), Set.of(v.value()));
            } else if (c.op() == Op.SIGMA_EQ && c.right() instanceof Ast.ValueOperand v) {
                out.put(f.text(), Set.of(asWritten(f.text(), v.value())));
            } else if (c.op() == Op.IN && c.right() instanceof Ast.ListOperand l) {
                out.put(f.text(), new HashSet<>(l.values()));
            }
        }
    }

    /**
     * A Sigma plain value (matched ignoring case) as the API server writes it: verbs, resources,
     * subresources and namespaces in lower case, a stage by its name; other fields as the rule has it.
     */
    private static String asWritten(String field, String value) {
        if (field.equals("jevt.value[/stage]")) {
            return AuditPolicy.STAGES.stream().filter(value::equalsIgnoreCase).findFirst().orElse(value);
        }
        return field.equals("jevt.value[/verb]") || field.startsWith("jevt.value[/objectRef/")
                ? value.toLowerCase(java.util.Locale.ROOT) : value;
    }

    private static void bodyFields(Ast.Expr e, Set<String> req, Set<String> resp) {
        Ast.fields(e, f -> {
            for (String root : roots(f)) {
                if (root.equals("requestObject")) {
                    req.add(f.text());
                } else if (root.equals("responseObject")) {
                    resp.add(f.text());
                }
            }
        });
    }

    /** The top-level keys of the event a field reads ("" for the whole event). */
    private static Set<String> roots(Ast.FieldOperand f) {
        Set<String> out = new LinkedHashSet<>();
        FieldDef def = Fields.get(f.name());
        if (def == null) {
            return out;
        }
        for (List<String> path : def.paths().apply(f.arg())) {
            out.add(path.isEmpty() ? "" : path.get(0));
        }
        return out;
    }

    /**
     * The condition's value on an event without the given top-level parts: FALSE or TRUE where the
     * missing parts decide it, null where the rest of the event does. A check on a missing field
     * is false in kaudit as in Falco (exists, =, !=, in, contains ... all need a value).
     */
    static Boolean eval(Ast.Expr e, Set<String> missing) {
        if (e instanceof Ast.And a) {
            boolean unknown = false;
            for (Ast.Expr c : a.children()) {
                Boolean v = eval(c, missing);
                if (v == Boolean.FALSE) {
                    return false;
                }
                unknown |= v == null;
            }
            return unknown ? null : true;
        } else if (e instanceof Ast.Or o) {
            boolean unknown = false;
            for (Ast.Expr c : o.children()) {
                Boolean v = eval(c, missing);
                if (v == Boolean.TRUE) {
                    return true;
                }
                unknown |= v == null;
            }
            return unknown ? null : false;
        } else if (e instanceof Ast.Not n) {
            Boolean v = eval(n.child(), missing);
            return v == null ? null : !v;
        } else if (e instanceof Ast.Check c && c.left() instanceof Ast.FieldOperand f) {
            Set<String> r = roots(f);
            r.remove("auditID");   // every ka.* field reads it: the gate, not the value
            if (!r.isEmpty() && missing.containsAll(r)) {
                return false;
            }
        }
        return null;
    }
}
