package io.kaudit.rule;

import io.kaudit.event.Projection;
import io.kaudit.rule.Ast.And;
import io.kaudit.rule.Ast.Expr;
import io.kaudit.rule.Ast.MacroRef;
import io.kaudit.rule.Ast.Not;
import io.kaudit.rule.Ast.Or;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.events.DocumentEndEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads Falco rule files (lists, macros, rules, exceptions, append and override) in order, then
 * compiles the k8s_audit rules. Semantics follow Falco's rule loader: one counter numbers every
 * definition; redefinitions keep their position; macros see only earlier macros, rules see all;
 * lists are substituted into text before parsing; rules of other sources are kept out of
 * evaluation while their lists and macros stay usable.
 *
 * <p>YAML is only composed into nodes (never constructed into objects), with bounded aliases and
 * nesting, and custom tags are refused.
 */
public final class RuleLoader {
    /** The Falco rules engine version whose language kaudit implements. */
    public static final String ENGINE_VERSION = "0.63.0";
    public static final String SOURCE = "k8s_audit";
    private static final Map<String, String> PLUGINS = Map.of("k8saudit", "0.18.0", "json", "0.7.4");
    private static final Set<String> APPENDABLE = Set.of("condition", "output", "desc", "tags", "exceptions");
    private static final Set<String> REPLACEABLE = Set.of("condition", "output", "desc", "tags", "exceptions",
            "priority", "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration");

    private int counter;
    private final Map<String, ListDef> lists = new LinkedHashMap<>();
    private final Map<String, MacroDef> macros = new LinkedHashMap<>();
    private final Map<String, RuleDef> rules = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    /** Every error found so far, in order: loading goes on past a bad item so one pass reports them all. */
    private final Set<String> errors = new LinkedHashSet<>();

    /** A reference to a macro that has errors of its own (already reported): the referrer is skipped silently. */
    private static final class BrokenMacro extends RuntimeException {
        BrokenMacro() {
            super(null, null, false, false);
        }
    }

    /** Sigma documents met in the files, compiled after the Falco rules. */
    private final io.kaudit.rule.sigma.SigmaLoader sigma = new io.kaudit.rule.sigma.SigmaLoader();

    /** Sigma field names from a pySigma processing pipeline (call before compile). */
    public RuleLoader sigmaMapping(io.kaudit.rule.sigma.SigmaFields mapping) {
        sigma.mapping(mapping);
        return this;
    }

    private static final class ListDef {
        String name;
        List<String> items;
        int index;
        int visibility;
        String file;
        int line;
    }

    private static final class MacroDef {
        boolean broken;
        String name;
        String condition;
        int index;
        int visibility;
        String file;
        int line;
        Expr ast;
        Expr resolved;
    }

    private static final class RuleDef {
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

    // ------------------------------------------------------------------ reading

    /** Loads a file, or every .yaml/.yml file of a folder in name order. */
    public RuleLoader load(Path path) throws RuleLoadException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
                }).sorted().toList();
            } catch (IOException e) {
                throw failed(path + ": cannot read rules folder: " + e.getMessage());
            }
            int before = errors.size();
            for (Path f : files) {
                try {
                    load(f);
                } catch (RuleLoadException e) {
                    // kept; the folder's other files are still read
                }
            }
            if (errors.size() > before) {
                throw new RuleLoadException(new ArrayList<>(errors).subList(before, errors.size()));
            }
            return this;
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw failed(path + ": cannot read rules file: " + reason(e));
        }
        return load(path.toString(), text);
    }

    /** Keeps {@code message} with the other errors (compile() reports them all) and returns it to throw. */
    private RuleLoadException failed(String message) {
        errors.add(message);
        return new RuleLoadException(message);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    /**
     * Loads rules from text; {@code file} names it in messages. A bad item is reported and skipped and
     * the items after it are still read: the exception, thrown at the end, lists every error of this
     * file (they are also kept, and {@link #compile()} reports them again with any of its own).
     */
    public RuleLoader load(String file, String text) throws RuleLoadException {
        int before = errors.size();
        try {
            read(file, text);
        } catch (RuleLoadException e) {
            errors.addAll(e.errors());
        }
        if (errors.size() > before) {
            throw new RuleLoadException(new ArrayList<>(errors).subList(before, errors.size()));
        }
        return this;
    }

    private void read(String file, String text) throws RuleLoadException {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(64);
        options.setCodePointLimit(512 * 1024 * 1024);
        options.setAllowRecursiveKeys(false);
        try (Reader reader = new StringReader(text)) {
            // Without anchors, each item of the root list is composed on its own (a 50 MB file needs
            // the nodes of one item at a time); with anchors, the document is composed whole, as an
            // alias may name an anchor of another item.
            ItemDocuments parser = new ItemDocuments(new ParserImpl(new StreamReader(reader), options), !mayHaveAnchor(text));
            Composer composer = new Composer(parser, new Resolver(), options);
            while (composer.checkNode()) {
                Node doc = composer.getNode();
                if (doc == null || isNull(doc)) {
                    continue;
                }
                if (parser.item) {
                    checkedItem(file, doc);
                    continue;
                }
                checkTag(file, doc);
                if (io.kaudit.rule.sigma.SigmaLoader.isSigma(doc)) {
                    sigma.add(file, (MappingNode) doc);
                    continue;
                }
                if (!(doc instanceof SequenceNode seq)) {
                    throw new RuleLoadException(file + ":" + line(doc) + ": a rules file must be a YAML list of items");
                }
                for (Node item : seq.getValue()) {
                    if (isNull(item)) {
                        continue;
                    }
                    checkedItem(file, item);
                }
            }
        } catch (TagRefused e) {
            throw new RuleLoadException(file + ":" + e.line + ": YAML tag " + e.tag + " is not allowed");
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            int col = e.getProblemMark() == null ? 0 : e.getProblemMark().getColumn() + 1;
            throw new RuleLoadException(file + ":" + line + ":" + col + ": YAML syntax error: " + e.getProblem());
        } catch (YAMLException e) {
            throw new RuleLoadException(file + ": YAML error: " + e.getMessage());
        } catch (IOException e) {
            throw new RuleLoadException(file + ": " + e.getMessage());
        }
    }

    /**
     * Whether the text may define a YAML anchor: an {@code &} that starts a word (after a blank, a
     * flow indicator or the start) and is followed by a non-blank. Never misses one; may see one in
     * a comment or a plain scalar, which only costs the memory of composing whole.
     */
    static boolean mayHaveAnchor(String text) {
        int at = text.indexOf('&');
        while (at >= 0) {
            char before = at == 0 ? ' ' : text.charAt(at - 1);
            boolean starts = before == ' ' || before == '\t' || before == '\n' || before == '\r' || before == '['
                    || before == '{' || before == ',';
            if (starts && at + 1 < text.length() && " \t\n\r".indexOf(text.charAt(at + 1)) < 0) {
                return true;
            }
            at = text.indexOf('&', at + 1);
        }
        return false;
    }

    /**
     * Presents each item of a document's root list as a document of its own (when {@code split}), so
     * the composer holds one item's nodes, not the whole file's. Other documents pass unchanged.
     * {@link #item} tells whether the last document started was such an item.
     */
    private static final class TagRefused extends RuntimeException {
        final int line;
        final String tag;

        TagRefused(int line, String tag) {
            super(tag, null, false, false);
            this.line = line;
            this.tag = tag;
        }
    }

    static final class ItemDocuments implements Parser {
        private final Parser parser;
        private final boolean split;
        private final ArrayDeque<Event> ahead = new ArrayDeque<>();
        private DocumentStartEvent rootDocument;
        private int depth;
        boolean item;

        ItemDocuments(Parser parser, boolean split) {
            this.parser = parser;
            this.split = split;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            Event e = peekEvent();
            return e != null && e.is(choice);
        }

        @Override
        public Event peekEvent() {
            if (ahead.isEmpty()) {
                fill();
            }
            return ahead.peekFirst();
        }

        @Override
        public Event getEvent() {
            Event e = peekEvent();
            ahead.pollFirst();
            if (e instanceof DocumentStartEvent) {
                item = e != null && rootDocument != null;
            }
            return e;
        }

        private void fill() {
            while (ahead.isEmpty()) {
                if (parser.peekEvent() == null) {
                    return;
                }
                Event e = parser.getEvent();
                if (e == null) {
                    return;
                }
                if (rootDocument == null) {
                    if (split && e instanceof DocumentStartEvent d && parser.checkEvent(Event.ID.SequenceStart)) {
                        SequenceStartEvent root = (SequenceStartEvent) parser.getEvent();
                        String tag = root.getTag();
                        if (tag != null && !tag.startsWith(Tag.PREFIX)) {
                            throw new TagRefused(root.getStartMark().getLine() + 1, tag);
                        }
                        rootDocument = d;
                        depth = 0;
                        continue;
                    }
                    ahead.add(e);
                    return;
                }
                if (depth == 0) {
                    if (e.is(Event.ID.SequenceEnd)) {
                        parser.getEvent(); // the document's end
                        rootDocument = null;
                        continue;
                    }
                    ahead.add(new DocumentStartEvent(e.getStartMark(), e.getStartMark(), false,
                            rootDocument.getVersion(), rootDocument.getTags()));
                }
                ahead.add(e);
                if (e.is(Event.ID.SequenceStart) || e.is(Event.ID.MappingStart)) {
                    depth++;
                } else if (e.is(Event.ID.SequenceEnd) || e.is(Event.ID.MappingEnd)) {
                    depth--;
                }
                if (depth == 0) {
                    ahead.add(new DocumentEndEvent(e.getEndMark(), e.getEndMark(), false));
                }
                return;
            }
        }
    }

    /** One item of a rules file; a bad one is recorded in {@link #errors} and skipped, the next ones still checked. */
    private void checkedItem(String file, Node node) {
        if (!(node instanceof MappingNode m)) {
            errors.add(file + ":" + line(node) + ": each item must be a mapping");
            return;
        }
        try {
            item(file, m);
        } catch (RuleLoadException e) {
            errors.addAll(e.errors());
        }
    }

    private void item(String file, MappingNode node) throws RuleLoadException {
        Map<String, Node> m = mapping(file, node);
        if (m.containsKey("required_engine_version")) {
            checkEngineVersion(file, m.get("required_engine_version"));
        } else if (m.containsKey("required_plugin_versions")) {
            checkPlugins(file, m.get("required_plugin_versions"));
        } else if (m.containsKey("list")) {
            list(file, node, m);
        } else if (m.containsKey("macro")) {
            macro(file, node, m);
        } else if (m.containsKey("rule")) {
            rule(file, node, m);
        } else {
            warnings.add(file + ":" + line(node) + ": unknown top level item, ignored");
        }
    }

    private void checkEngineVersion(String file, Node n) throws RuleLoadException {
        String v = str(file, n);
        int[] required;
        if (v.matches("\\d+")) {
            required = new int[] {0, Integer.parseInt(v), 0};
        } else if (v.matches("\\d+\\.\\d+\\.\\d+")) {
            String[] p = v.split("\\.");
            required = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        } else {
            throw new RuleLoadException(file + ":" + line(n) + ": required_engine_version must be a number or x.y.z, got '"
                    + v + "'");
        }
        if (!compatible(ENGINE_VERSION, required)) {
            throw new RuleLoadException(file + ":" + line(n) + ": rules require engine version " + v
                    + " but kaudit implements " + ENGINE_VERSION);
        }
    }

    private static boolean compatible(String have, int[] want) {
        String[] p = have.split("\\.");
        int[] h = {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        if (h[0] != want[0]) {
            return false;
        }
        for (int i = 1; i < 3; i++) {
            if (h[i] != want[i]) {
                return h[i] > want[i];
            }
        }
        return true;
    }

    private void checkPlugins(String file, Node n) throws RuleLoadException {
        for (Node entry : seq(file, n)) {
            Map<String, Node> m = mapping(file, entry);
            List<String> names = new ArrayList<>();
            boolean ok = satisfied(file, m, names);
            if (m.containsKey("alternatives")) {
                for (Node alt : seq(file, m.get("alternatives"))) {
                    ok |= satisfied(file, mapping(file, alt), names);
                }
            }
            if (!ok) {
                warnings.add(file + ":" + line(entry) + ": plugin requirement " + names
                        + " is not one kaudit provides (k8saudit 0.18, json 0.7); rules using its fields will fail to load");
            }
        }
    }

    private boolean satisfied(String file, Map<String, Node> m, List<String> names) throws RuleLoadException {
        String name = m.containsKey("name") ? str(file, m.get("name")) : "";
        String version = m.containsKey("version") ? str(file, m.get("version")) : "0.0.0";
        names.add(name + " " + version);
        String have = PLUGINS.get(name);
        if (have == null || !version.matches("\\d+\\.\\d+\\.\\d+")) {
            return false;
        }
        String[] p = version.split("\\.");
        return compatible(have, new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])});
    }

    private void list(String file, MappingNode node, Map<String, Node> m) throws RuleLoadException {
        String name = str(file, m.get("list"));
        String where = file + ":" + line(node) + ": list '" + name + "': ";
        if (!m.containsKey("items")) {
            throw new RuleLoadException(where + "missing 'items'");
        }
        List<String> items = new ArrayList<>();
        for (Node i : seq(file, m.get("items"))) {
            items.add(str(file, i));
        }
        boolean append = appendMode(file, where, m, "items");
        ListDef existing = lists.get(name);
        if (append) {
            if (existing == null) {
                throw new RuleLoadException(where + "has 'append' but no list by that name is defined before");
            }
            existing.items.addAll(items);
            existing.visibility = counter++;
            return;
        }
        if (existing != null) {
            existing.items = items;
            existing.visibility = counter++;
            existing.file = file;
            existing.line = line(node);
            return;
        }
        ListDef d = new ListDef();
        d.name = name;
        d.items = items;
        d.index = d.visibility = counter++;
        d.file = file;
        d.line = line(node);
        lists.put(name, d);
    }

    private void macro(String file, MappingNode node, Map<String, Node> m) throws RuleLoadException {
        String name = str(file, m.get("macro"));
        String where = file + ":" + line(node) + ": macro '" + name + "': ";
        if (!m.containsKey("condition")) {
            throw new RuleLoadException(where + "missing 'condition'");
        }
        String condition = str(file, m.get("condition"));
        boolean append = appendMode(file, where, m, "condition");
        MacroDef existing = macros.get(name);
        if (append) {
            if (existing == null) {
                throw new RuleLoadException(where + "has 'append' but no macro by that name is defined before");
            }
            existing.condition = existing.condition + " " + condition;
            existing.visibility = counter++;
            return;
        }
        if (existing != null) {
            existing.condition = condition;
            existing.visibility = counter++;
            existing.file = file;
            existing.line = line(m.get("condition"));
            return;
        }
        MacroDef d = new MacroDef();
        d.name = name;
        d.condition = condition;
        d.index = d.visibility = counter++;
        d.file = file;
        d.line = line(m.get("condition"));
        macros.put(name, d);
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

    private void rule(String file, MappingNode node, Map<String, Node> m) throws RuleLoadException {
        String name = str(file, m.get("rule"));
        String where = file + ":" + line(node) + ": rule '" + name + "': ";
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
            if (existing == null && sigma.knows(name)) {   // a Sigma rule or correlation turned on or off
                sigma.enabled(name, bool(file, m.get("enabled")));
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
            for (Node t : seq(file, m.get("tags"))) {
                d.tags.add(str(file, t));
            }
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
                    for (Node t : seq(file, v)) {
                        r.tags.add(str(file, t));
                    }
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
                List<String> fs = new ArrayList<>();
                for (Node x : seq(file, f)) {
                    fs.add(str(file, x));
                }
                fields = fs;
            } else {
                fields = str(file, f);
            }
        }
        if (fields == null) {
            throw new RuleLoadException(at + "missing 'fields'");
        }
        List<String> comps = base != null ? base.comps() : null;
        if (m.containsKey("comps")) {
            comps = new ArrayList<>();
            Node c = m.get("comps");
            if (c instanceof SequenceNode) {
                for (Node x : seq(file, c)) {
                    comps.add(str(file, x));
                }
            } else {
                comps.add(str(file, c));
            }
        }
        if (fields instanceof List<?> fl && comps != null && comps.size() != fl.size()) {
            throw new RuleLoadException(at + "has " + fl.size() + " fields but " + comps.size() + " comps");
        }
        if (fields instanceof String && comps != null && !comps.isEmpty()
                && !Set.of("in", "pmatch", "intersects").contains(comps.get(0))) {
            throw new RuleLoadException(at + "with a single field, comps must be in, pmatch or intersects");
        }
        List<Object> values = new ArrayList<>();
        if (m.containsKey("values")) {
            for (Node v : seq(file, m.get("values"))) {
                if (fields instanceof List<?> fl) {
                    List<Object> tuple = new ArrayList<>();
                    for (Node x : seq(file, v)) {
                        if (x instanceof SequenceNode) {
                            List<String> inner = new ArrayList<>();
                            for (Node y : seq(file, x)) {
                                inner.add(str(file, y));
                            }
                            tuple.add(inner);
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

    // ------------------------------------------------------------------ compiling

    /** Compiles what was loaded. Every macro must resolve; every k8s_audit rule must compile. */
    public RuleSet compile() throws RuleLoadException {
        List<ListExpander.Named> named = expandLists();
        ListExpander.Index listIndex = new ListExpander.Index(named);
        Set<String> usedLists = new HashSet<>();
        for (MacroDef d : macros.values()) {
            String text = ListExpander.expand(d.condition, listIndex, usedLists);
            try {
                d.ast = parse(text, d.file, d.line, "macro '" + d.name + "'");
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
                d.broken = true;
            }
        }
        Set<String> usedMacros = new HashSet<>();
        for (MacroDef d : macros.values()) {
            try {
                resolveMacro(d, new ArrayDeque<>(), usedMacros);
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
                d.broken = true;
            } catch (BrokenMacro e) {
                d.broken = true;
            }
        }
        usedMacros.clear();
        Projection projection = new Projection();
        ConditionCompiler compiler = new ConditionCompiler(projection);
        ConditionCompiler outputBinder = new ConditionCompiler(new Projection());
        List<Rule> compiled = new ArrayList<>();
        List<RuleSet.SkippedRule> skipped = new ArrayList<>();
        Set<String> otherSources = new TreeSet<>();
        List<RuleDef> ordered = new ArrayList<>(rules.values());
        ordered.sort((a, b) -> Integer.compare(a.index, b.index));
        for (RuleDef r : ordered) {
            if (!r.source.equals(SOURCE)) {
                otherSources.add(r.source);
                skipped.add(new RuleSet.SkippedRule(r.name, r.source, r.priority, List.copyOf(new TreeSet<>(r.tags)),
                        r.enabled));
                continue;
            }
            String what = "rule '" + r.name + "'";
            String text;
            Expr resolved;
            try {
                text = r.exceptions.isEmpty() ? r.condition : ExceptionText.apply(r.condition, r.exceptions);
                text = ListExpander.expand(text, listIndex, usedLists);
                Expr ast = parse(text, r.file, r.line, what);
                resolved = resolve(ast, Integer.MAX_VALUE, new ArrayDeque<>(), usedMacros, r.file, r.line, what, text);
            } catch (RuleLoadException e) {
                errors.addAll(e.errors());
                continue;
            } catch (BrokenMacro e) {
                continue;   // the macro's own error is reported
            }
            Condition condition;
            OutputFormat output;
            try {
                condition = compiler.compile(resolved);
            } catch (CompileException e) {
                if (r.skipIfUnknownFilter && e.getMessage().startsWith("unknown field")) {
                    warnings.add(r.file + ":" + r.line + ": " + what + ": " + e.getMessage() + "; skipped");
                    continue;
                }
                errors.add(r.file + ":" + r.line + ": " + what + ": " + e.getMessage());
                continue;
            }
            try {
                output = OutputFormat.compile(r.output, outputBinder);
            } catch (CompileException e) {
                if (r.skipIfUnknownFilter && e.getMessage().startsWith("unknown field")) {
                    warnings.add(r.outputFile + ":" + r.outputLine + ": " + what + ": " + e.getMessage() + "; skipped");
                    continue;
                }
                errors.add(r.outputFile + ":" + r.outputLine + ": " + what + ": " + e.getMessage() + "\n"
                        + pointAt(r.output, Math.max(0, Math.min(e.position(), r.output.length()))));
                continue;
            }
            compiled.add(new Rule(r.name, r.desc.trim(), r.priority, r.source, List.copyOf(new TreeSet<>(r.tags)),
                    r.enabled, condition, text, resolved, output, r.file, r.line, r.index));
        }
        if (!errors.isEmpty()) {
            throw new RuleLoadException(List.copyOf(errors));
        }
        for (RuleDef r : ordered) {
            if (!r.sourceGiven && looksLikeAudit(r.condition)) {
                warnings.add(r.file + ":" + r.line + ": rule '" + r.name + "' has no 'source:', so it is a syscall rule"
                        + " (Falco's default) and kaudit skips it; add 'source: k8s_audit'");
            }
        }
        for (String s : otherSources) {
            warnings.add("rules of source '" + s + "' are skipped (kaudit evaluates source k8s_audit)");
        }
        Map<String, Integer> namedByList = namedByList();
        for (ListDef l : lists.values()) {
            if (!usedLists.contains(l.name) && namedByList.getOrDefault(l.name, Integer.MIN_VALUE) <= l.index) {
                warnings.add(l.file + ":" + l.line + ": list '" + l.name + "' is not used");
            }
        }
        for (MacroDef d : macros.values()) {
            if (!usedMacros.contains(d.name)) {
                warnings.add(d.file + ":" + d.line + ": macro '" + d.name + "' is not used by any k8s_audit rule");
            }
        }
        Map<String, Expr> resolvedMacros = new HashMap<>();
        for (MacroDef d : macros.values()) {
            resolvedMacros.put(d.name, d.resolved);
        }
        List<io.kaudit.rule.sigma.Correlation> correlations = List.of();
        if (!sigma.isEmpty()) {
            io.kaudit.rule.sigma.SigmaLoader.Result sr = sigma.compile(projection, counter + 1, compiled);
            compiled.addAll(sr.rules());
            correlations = sr.correlations();
            warnings.addAll(sr.warnings());
        }
        return new RuleSet(List.copyOf(compiled), projection, List.copyOf(skipped), List.copyOf(warnings),
                new QueryParser(named, resolvedMacros), correlations);
    }

    private static final java.util.regex.Pattern AUDIT_FIELD = java.util.regex.Pattern.compile("\\b(ka|jevt)\\.[a-z]");
    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /** True if a condition reads audit fields itself or through a macro (it was meant for k8s_audit). */
    private boolean looksLikeAudit(String condition) {
        if (AUDIT_FIELD.matcher(condition).find()) {
            return true;
        }
        java.util.regex.Matcher w = WORD.matcher(condition);
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        while (w.find()) {
            todo.add(w.group());
        }
        while (!todo.isEmpty()) {
            MacroDef d = macros.get(todo.poll());
            if (d == null || !seen.add(d.name)) {
                continue;
            }
            if (AUDIT_FIELD.matcher(d.condition).find()) {
                return true;
            }
            java.util.regex.Matcher m = WORD.matcher(d.condition);
            while (m.find()) {
                todo.add(m.group());
            }
        }
        return false;
    }

    /** For each item of a list, the latest visibility of a list holding it: a list named there after its definition is used. */
    private Map<String, Integer> namedByList() {
        Map<String, Integer> out = new HashMap<>();
        for (ListDef l : lists.values()) {
            for (String item : l.items) {
                out.merge(item, l.visibility, Math::max);
            }
        }
        return out;
    }

    /** Items naming a list defined before this list's latest definition are expanded; others stay literal. */
    private List<ListExpander.Named> expandLists() {
        Map<String, List<String>> done = new HashMap<>();
        List<ListExpander.Named> out = new ArrayList<>();
        List<ListDef> ordered = new ArrayList<>(lists.values());
        ordered.sort((a, b) -> Integer.compare(a.index, b.index));
        for (ListDef l : ordered) {
            List<String> items = new ArrayList<>();
            for (String item : l.items) {
                ListDef other = lists.get(item);
                if (other != null && other != l && other.index < l.visibility && done.containsKey(item)) {
                    items.addAll(done.get(item));
                } else {
                    items.add(ListExpander.quoteItem(item));
                }
            }
            done.put(l.name, items);
            out.add(new ListExpander.Named(l.name, items));
        }
        return out;
    }

    private Expr parse(String text, String file, int line, String what) throws RuleLoadException {
        try {
            return ConditionParser.parse(text);
        } catch (ConditionSyntaxException e) {
            throw new RuleLoadException(file + ":" + line + ": " + what + ": condition syntax error at column "
                    + e.column() + ": " + e.getMessage() + "\n" + pointAt(text, e.position()));
        }
    }

    /** The condition line holding {@code pos}, with a caret under it. */
    static String pointAt(String text, int pos) {
        int start = text.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
        int end = text.indexOf('\n', pos);
        String line = text.substring(start, end < 0 ? text.length() : end);
        int col = pos - start;
        if (line.length() > 120) {
            int from = Math.max(0, col - 60);
            line = line.substring(from, Math.min(line.length(), from + 120));
            col -= from;
        }
        return "    " + line + "\n    " + " ".repeat(Math.max(0, col)) + "^";
    }

    private Expr resolveMacro(MacroDef d, Deque<String> stack, Set<String> used) throws RuleLoadException {
        if (d.broken) {
            throw new BrokenMacro();
        }
        if (d.resolved == null) {
            if (stack.contains(d.name)) {
                throw new RuleLoadException(d.file + ":" + d.line + ": macro '" + d.name + "': reference loop through "
                        + String.join(" -> ", stack) + " -> " + d.name);
            }
            stack.push(d.name);
            d.resolved = resolve(d.ast, d.visibility, stack, used, d.file, d.line, "macro '" + d.name + "'", d.condition);
            stack.pop();
        }
        return d.resolved;
    }

    private Expr resolve(Expr e, int visibility, Deque<String> stack, Set<String> used, String file, int line,
                         String what, String text) throws RuleLoadException {
        if (e instanceof MacroRef ref) {
            MacroDef d = macros.get(ref.name());
            if (d == null || d.index >= visibility) {
                throw new RuleLoadException(file + ":" + line + ": " + what + ": undefined macro '" + ref.name()
                        + "' used in filter" + (d == null ? "" : " (it is defined later)") + "\n" + pointAt(text, ref.pos()));
            }
            used.add(d.name);
            Expr body = resolveMacro(d, stack, used);
            collectUsed(d.ast, used);
            return body;
        }
        if (e instanceof And a) {
            return new And(resolveAll(a.children(), visibility, stack, used, file, line, what, text), a.pos());
        }
        if (e instanceof Or o) {
            return new Or(resolveAll(o.children(), visibility, stack, used, file, line, what, text), o.pos());
        }
        if (e instanceof Not n) {
            return new Not(resolve(n.child(), visibility, stack, used, file, line, what, text), n.pos());
        }
        return e;
    }

    /** Marks macros reached through an already resolved macro as used. */
    private void collectUsed(Expr e, Set<String> used) {
        if (e instanceof MacroRef ref) {
            MacroDef d = macros.get(ref.name());
            if (d != null && used.add(d.name)) {
                collectUsed(d.ast, used);
            }
        } else if (e instanceof And a) {
            a.children().forEach(c -> collectUsed(c, used));
        } else if (e instanceof Or o) {
            o.children().forEach(c -> collectUsed(c, used));
        } else if (e instanceof Not n) {
            collectUsed(n.child(), used);
        }
    }

    private List<Expr> resolveAll(List<Expr> es, int visibility, Deque<String> stack, Set<String> used, String file,
                                  int line, String what, String text) throws RuleLoadException {
        List<Expr> out = new ArrayList<>(es.size());
        for (Expr e : es) {
            out.add(resolve(e, visibility, stack, used, file, line, what, text));
        }
        return out;
    }

    // ------------------------------------------------------------------ YAML nodes

    private static int line(Node n) {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    private static void checkTag(String file, Node n) throws RuleLoadException {
        if (!n.getTag().getValue().startsWith(Tag.PREFIX)) {
            throw new RuleLoadException(file + ":" + line(n) + ": YAML tag " + n.getTag().getValue() + " is not allowed");
        }
    }

    private static Map<String, Node> mapping(String file, Node n) throws RuleLoadException {
        checkTag(file, n);
        if (!(n instanceof MappingNode mn)) {
            throw new RuleLoadException(file + ":" + line(n) + ": expected a mapping");
        }
        Map<String, Node> m = new LinkedHashMap<>();
        for (NodeTuple t : mn.getValue()) {
            m.put(str(file, t.getKeyNode()), t.getValueNode());
        }
        return m;
    }

    private static List<Node> seq(String file, Node n) throws RuleLoadException {
        checkTag(file, n);
        if (isNull(n)) {
            return List.of();
        }
        if (!(n instanceof SequenceNode sn)) {
            throw new RuleLoadException(file + ":" + line(n) + ": expected a list");
        }
        return sn.getValue();
    }

    private static String str(String file, Node n) throws RuleLoadException {
        checkTag(file, n);
        if (!(n instanceof ScalarNode s)) {
            throw new RuleLoadException(file + ":" + line(n) + ": expected a single value");
        }
        return s.getValue();
    }

    private static boolean bool(String file, Node n) throws RuleLoadException {
        String v = str(file, n).toLowerCase(Locale.ROOT);
        switch (v) {
            case "true", "yes", "on" -> {
                return true;
            }
            case "false", "no", "off" -> {
                return false;
            }
            default -> throw new RuleLoadException(file + ":" + line(n) + ": expected true or false, got '" + v + "'");
        }
    }
}
