package io.kaudit.rule;

import static io.kaudit.rule.FalcoReader.bool;
import static io.kaudit.rule.FalcoReader.line;
import static io.kaudit.rule.FalcoReader.mapping;
import static io.kaudit.rule.FalcoReader.seq;
import static io.kaudit.rule.FalcoReader.str;
import static io.kaudit.rule.FalcoReader.strings;

import io.kaudit.rule.FalcoReader.Item;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.ToIntFunction;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The lists, macros and rules of the files read so far, with Falco's semantics of redefinition:
 * one counter numbers every item; a redefinition keeps its position; {@code append} and
 * {@code override} (append or replace, per key) change an earlier definition; a rule given only
 * {@code enabled} turns an earlier one on or off. Each list and macro keeps its visibility (the
 * number of its latest definition): a macro sees only what was defined before it.
 */
public final class Definitions {
    private static final Set<String> APPENDABLE = Set.of("condition", "output", "desc", "tags", "exceptions");
    private static final Set<String> REPLACEABLE = Set.of("condition", "output", "desc", "tags", "exceptions",
            "priority", "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration");

    /** Rules of another language the files may turn on or off by name (Sigma rules and correlations). */
    public interface OtherRules {
        boolean knows(String name);

        void enabled(String name, boolean on);
    }

    /**
     * A list or a macro: its body (a list's items, a macro's condition), the number of its first
     * definition (its place), the number of its latest definition (what it sees), and where its
     * body was last defined. A change to it is a new {@code Def} under the same name.
     */
    record Def<B>(String name, B body, int index, int visibility, String file, int line) {
    }

    static final class RuleDef {
        String name;
        String condition;
        String output;
        String desc;
        Priority priority;
        String source;
        boolean enabled = true;
        Set<String> tags = new LinkedHashSet<>();
        List<ExceptionText.Exception> exceptions = new ArrayList<>();
        boolean skipIfUnknownFilter;
        int index;
        String file;
        int line;
        String outputFile;
        int outputLine;
        boolean sourceGiven;
    }

    /** Reads the body of a list or macro item from its key. */
    private interface BodyReader<B> {
        B read(Item item, String key) throws RuleLoadException;
    }

    /**
     * What tells lists and macros apart: the item's key, its body's key, how the body is read and
     * joined on append, and the line it is placed at (a macro's errors point into its condition).
     */
    private record Kind<B>(String key, String body, BodyReader<B> read, BinaryOperator<B> join,
                           ToIntFunction<Item> line) {
    }

    private static final Kind<List<String>> LIST = new Kind<>("list", "items", Item::strings, Definitions::concat,
            Item::line);
    private static final Kind<String> MACRO = new Kind<>("macro", "condition", Item::str,
            (old, more) -> old + " " + more, i -> i.line("condition"));

    private int counter;
    final Map<String, Def<List<String>>> lists = new LinkedHashMap<>();
    final Map<String, Def<String>> macros = new LinkedHashMap<>();
    final Map<String, RuleDef> rules = new LinkedHashMap<>();
    private final OtherRules others;

    public Definitions(OtherRules others) {
        this.others = others;
    }

    /** How many items were numbered: the next item's number. */
    public int counter() {
        return counter;
    }

    /** A {@code list} item: defines, redefines or appends to a list. */
    public void list(Item item) throws RuleLoadException {
        define(lists, LIST, item);
    }

    /** A {@code macro} item: defines, redefines or appends to a macro. */
    public void macro(Item item) throws RuleLoadException {
        define(macros, MACRO, item);
    }

    /**
     * A list or macro item, as Falco treats both: with append its body joins the earlier
     * definition's (which must exist); otherwise it replaces an earlier body, keeping its place,
     * or defines a new one. Either way it now sees what was defined before this item.
     */
    private <B> void define(Map<String, Def<B>> defs, Kind<B> kind, Item item) throws RuleLoadException {
        String file = item.file();
        String name = item.str(kind.key());
        String where = file + ":" + item.line() + ": " + kind.key() + " '" + name + "': ";
        if (!item.has(kind.body())) {
            throw new RuleLoadException(where + "missing '" + kind.body() + "'");
        }
        B body = kind.read().read(item, kind.body());
        boolean append = appendMode(file, where, item.keys(), kind.body());
        Def<B> existing = defs.get(name);
        if (append) {
            if (existing == null) {
                throw new RuleLoadException(where + "has 'append' but no " + kind.key()
                        + " by that name is defined before");
            }
            defs.put(name, new Def<>(name, kind.join().apply(existing.body(), body), existing.index(), counter++,
                    existing.file(), existing.line()));
        } else if (existing != null) {   // a redefinition keeps the first one's place
            defs.put(name, new Def<>(name, body, existing.index(), counter++, file, kind.line().applyAsInt(item)));
        } else {
            int index = counter++;
            defs.put(name, new Def<>(name, body, index, index, file, kind.line().applyAsInt(item)));
        }
    }

    /** A list's items and appended ones, in a new list (a {@code Def} is never changed). */
    private static List<String> concat(List<String> old, List<String> more) {
        List<String> all = new ArrayList<>(old);
        all.addAll(more);
        return all;
    }

    /** For lists and macros: {@code append: true} or {@code override: {key: append|replace}}. */
    private boolean appendMode(String file, String where, Map<String, Node> m, String key) throws RuleLoadException {
        boolean append = m.containsKey("append") && bool(file, m.get("append"));
        if (m.containsKey("override")) {
            if (m.containsKey("append")) {
                throw new RuleLoadException(where + "'append' and 'override' cannot be used together");
            }
            Map<String, Node> o = mapping(file, m.get("override"));
            for (Map.Entry<String, Node> e : o.entrySet()) {
                if (!e.getKey().equals(key)) {
                    throw new RuleLoadException(where + "cannot override '" + e.getKey() + "'");
                }
                String mode = str(file, e.getValue());
                if (!mode.equals("append") && !mode.equals("replace")) {
                    throw new RuleLoadException(where + "override mode must be append or replace, got '" + mode + "'");
                }
                append = mode.equals("append");
            }
        }
        return append;
    }

    /** A {@code rule} item: defines or redefines a rule, appends to or overrides one, or turns one on or off. */
    public void rule(Item item) throws RuleLoadException {
        String file = item.file();
        Map<String, Node> m = item.keys();
        String name = item.str("rule");
        String where = file + ":" + item.line() + ": rule '" + name + "': ";
        RuleDef existing = rules.get(name);
        boolean legacyAppend = m.containsKey("append") && bool(file, m.get("append"));
        if (m.containsKey("override") && m.containsKey("append")) {
            throw new RuleLoadException(where + "'append' and 'override' cannot be used together");
        }
        if (legacyAppend) {
            if (existing == null) {
                throw new RuleLoadException(where + "has 'append' but no rule by that name is defined before");
            }
            if (m.containsKey("condition")) {
                existing.condition += " " + str(file, m.get("condition"));
            }
            if (m.containsKey("exceptions")) {
                appendExceptions(file, where, existing, m.get("exceptions"));
            }
            counter++;
            return;
        }
        if (m.containsKey("override")) {
            override(file, where, existing, m);
            counter++;
            return;
        }
        boolean definesBody = m.containsKey("condition") || m.containsKey("output") || m.containsKey("desc")
                || m.containsKey("priority");
        if (!definesBody && m.containsKey("enabled")) {
            if (existing == null && others.knows(name)) {   // a Sigma rule or correlation turned on or off
                others.enabled(name, bool(file, m.get("enabled")));
                counter++;
                return;
            }
            if (existing == null) {
                throw new RuleLoadException(where + "sets 'enabled' but no rule by that name is defined before");
            }
            existing.enabled = bool(file, m.get("enabled"));
            counter++;
            return;
        }
        for (String key : new String[] {"condition", "output", "desc", "priority"}) {
            if (!m.containsKey(key)) {
                throw new RuleLoadException(where + "missing '" + key + "'");
            }
        }
        RuleDef d = new RuleDef();
        d.name = name;
        d.sourceGiven = m.containsKey("source");
        d.source = d.sourceGiven ? str(file, m.get("source")) : "syscall";
        if (existing != null && !existing.source.equals(d.source)) {
            throw new RuleLoadException(where + "redefined with source '" + d.source + "' but was defined with source '"
                    + existing.source + "'");
        }
        d.condition = str(file, m.get("condition"));
        d.output = str(file, m.get("output")).trim();
        d.desc = str(file, m.get("desc"));
        d.priority = priority(file, where, m.get("priority"));
        d.enabled = !m.containsKey("enabled") || bool(file, m.get("enabled"));
        if (m.containsKey("tags")) {
            d.tags.addAll(strings(file, m.get("tags")));
        }
        if (m.containsKey("exceptions")) {
            d.exceptions = exceptions(file, where, m.get("exceptions"));
        }
        d.skipIfUnknownFilter = m.containsKey("skip-if-unknown-filter") && bool(file, m.get("skip-if-unknown-filter"));
        d.file = file;
        d.line = line(m.get("condition"));
        d.outputFile = file;
        d.outputLine = line(m.get("output"));
        d.index = existing != null ? existing.index : counter;
        counter++;
        rules.put(name, d);
    }

    private void override(String file, String where, RuleDef r, Map<String, Node> m) throws RuleLoadException {
        if (r == null) {
            throw new RuleLoadException(where + "has 'override' but no rule by that name is defined before");
        }
        Map<String, Node> o = mapping(file, m.get("override"));
        for (String key : m.keySet()) {
            if (REPLACEABLE.contains(key) && !o.containsKey(key)) {
                throw new RuleLoadException(where + "key '" + key + "' must be listed under 'override'");
            }
        }
        for (Map.Entry<String, Node> e : o.entrySet()) {
            String key = e.getKey();
            String mode = str(file, e.getValue());
            if (!m.containsKey(key)) {
                throw new RuleLoadException(where + "overrides '" + key + "' but gives no value for it");
            }
            boolean append = mode.equals("append");
            if (append && !APPENDABLE.contains(key) || !append && !(mode.equals("replace") && REPLACEABLE.contains(key))) {
                throw new RuleLoadException(where + "cannot " + mode + " key '" + key + "'");
            }
            Node v = m.get(key);
            switch (key) {
                case "condition" -> r.condition = append ? r.condition + " " + str(file, v) : str(file, v);
                case "output" -> {
                    r.output = (append ? r.output + " " + str(file, v) : str(file, v)).trim();
                    r.outputFile = file;   // an error in the output now points at the override
                    r.outputLine = line(v);
                }
                case "desc" -> r.desc = append ? r.desc + " " + str(file, v) : str(file, v);
                case "tags" -> {
                    if (!append) {
                        r.tags.clear();
                    }
                    r.tags.addAll(strings(file, v));
                }
                case "exceptions" -> {
                    if (append) {
                        appendExceptions(file, where, r, v);
                    } else {
                        r.exceptions = exceptions(file, where, v);
                    }
                }
                case "priority" -> r.priority = priority(file, where, v);
                case "enabled" -> r.enabled = bool(file, v);
                case "skip-if-unknown-filter" -> r.skipIfUnknownFilter = bool(file, v);
                default -> {
                    // warn_evttypes, capture, capture_duration: syscall-only, accepted and ignored
                }
            }
        }
    }

    private Priority priority(String file, String where, Node n) throws RuleLoadException {
        try {
            return Priority.parse(str(file, n));
        } catch (IllegalArgumentException e) {
            throw new RuleLoadException(where + e.getMessage());
        }
    }

    private List<ExceptionText.Exception> exceptions(String file, String where, Node n) throws RuleLoadException {
        List<ExceptionText.Exception> out = new ArrayList<>();
        for (Node en : seq(file, n)) {
            out.add(exception(file, where, mapping(file, en), null));
        }
        return out;
    }

    private void appendExceptions(String file, String where, RuleDef r, Node n) throws RuleLoadException {
        for (Node en : seq(file, n)) {
            Map<String, Node> m = mapping(file, en);
            String name = m.containsKey("name") ? str(file, m.get("name")) : "";
            int at = -1;
            for (int i = 0; i < r.exceptions.size(); i++) {
                if (r.exceptions.get(i).name().equals(name)) {
                    at = i;
                }
            }
            if (at < 0) {
                r.exceptions.add(exception(file, where, m, null));
                continue;
            }
            ExceptionText.Exception old = r.exceptions.get(at);
            if (m.containsKey("fields") || m.containsKey("comps")) {
                throw new RuleLoadException(where + "exception '" + name + "': appending may only add values");
            }
            ExceptionText.Exception more = exception(file, where, m, old);
            List<Object> values = new ArrayList<>(old.values() == null ? List.of() : old.values());
            values.addAll(more.values());
            r.exceptions.set(at, new ExceptionText.Exception(name, old.fields(), old.comps(), values));
        }
    }

    private ExceptionText.Exception exception(String file, String where, Map<String, Node> m,
                                              ExceptionText.Exception base) throws RuleLoadException {
        if (!m.containsKey("name")) {
            throw new RuleLoadException(where + "an exception has no 'name'");
        }
        String name = str(file, m.get("name"));
        String at = where + "exception '" + name + "': ";
        Object fields = base != null ? base.fields() : null;
        if (m.containsKey("fields")) {
            Node f = m.get("fields");
            if (f instanceof SequenceNode) {
                fields = strings(file, f);
            } else {
                fields = str(file, f);
            }
        }
        if (fields == null) {
            throw new RuleLoadException(at + "missing 'fields'");
        }
        List<String> comps = base != null ? base.comps() : null;
        if (m.containsKey("comps")) {
            Node c = m.get("comps");
            comps = c instanceof SequenceNode ? strings(file, c) : new ArrayList<>(List.of(str(file, c)));
        }
        if (fields instanceof List<?> fl && comps != null && comps.size() != fl.size()) {
            throw new RuleLoadException(at + "has " + fl.size() + " fields but " + comps.size() + " comps");
        }
        if (fields instanceof String && comps != null && !comps.isEmpty()
                && (Op.of(comps.get(0)) == null || !Op.of(comps.get(0)).takesList())) {
            throw new RuleLoadException(at + "with a single field, comps must be in, pmatch or intersects");
        }
        List<Object> values = new ArrayList<>();
        if (m.containsKey("values")) {
            for (Node v : seq(file, m.get("values"))) {
                if (fields instanceof List<?> fl) {
                    List<Object> tuple = new ArrayList<>();
                    for (Node x : seq(file, v)) {
                        if (x instanceof SequenceNode) {
                            tuple.add(strings(file, x));
                        } else {
                            tuple.add(str(file, x));
                        }
                    }
                    if (tuple.size() != fl.size()) {
                        throw new RuleLoadException(file + ":" + line(v) + ": " + at.substring(where.length())
                                + "a value has " + tuple.size() + " items but there are " + fl.size() + " fields");
                    }
                    values.add(tuple);
                } else {
                    values.add(str(file, v));
                }
            }
        }
        return new ExceptionText.Exception(name, fields, comps, values);
    }
}
