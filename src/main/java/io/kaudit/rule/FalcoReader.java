package io.kaudit.rule;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.DocumentEndEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads Falco's rules-file schema: YAML composed into nodes (never constructed into objects, with
 * bounded aliases and nesting, custom tags refused), the engine and plugin version requirements
 * checked, and each list, macro and rule handed on as an {@link Item} that knows its file and line.
 * Sigma documents met on the way are handed on whole. What the items mean is {@link Definitions}'.
 */
public final class FalcoReader {
    /** The Falco rules engine version whose language kaudit implements. */
    public static final String ENGINE_VERSION = "0.63.0";
    private static final Map<String, String> PLUGINS = Map.of("k8saudit", "0.18.0", "json", "0.7.4");

    /** Where the items of a file go. */
    public interface Handler {
        void list(Item item) throws RuleLoadException;

        void macro(Item item) throws RuleLoadException;

        void rule(Item item) throws RuleLoadException;

        /** A Sigma rule or correlation document. */
        void sigma(String file, MappingNode doc);

        void warning(String message);

        /** An error of one item: it is skipped and the next items are still read. */
        void error(String message);
    }

    /**
     * One item of a rules file: a mapping with its position. Values are read as asked, each read
     * naming the file and line of a value of the wrong shape.
     */
    public record Item(String file, int line, Map<String, Node> keys) {
        public boolean has(String key) {
            return keys.containsKey(key);
        }

        public Node node(String key) {
            return keys.get(key);
        }

        /** The line of a key's value. */
        public int line(String key) {
            return FalcoReader.line(keys.get(key));
        }

        public String str(String key) throws RuleLoadException {
            return FalcoReader.str(file, keys.get(key));
        }

        public boolean bool(String key) throws RuleLoadException {
            return FalcoReader.bool(file, keys.get(key));
        }

        /** A key's value as a list of single values. */
        public List<String> strings(String key) throws RuleLoadException {
            return FalcoReader.strings(file, keys.get(key));
        }
    }

    private FalcoReader() {
    }

    /** Reads {@code text} ({@code file} names it in messages) into {@code handler}. */
    public static void read(String file, String text, Handler handler) throws RuleLoadException {
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
                    checkedItem(file, doc, handler);
                    continue;
                }
                checkTag(file, doc);
                if (io.kaudit.rule.sigma.SigmaLoader.isSigma(doc)) {
                    handler.sigma(file, (MappingNode) doc);
                    continue;
                }
                if (!(doc instanceof SequenceNode seq)) {
                    throw new RuleLoadException(file + ":" + line(doc) + ": a rules file must be a YAML list of items");
                }
                for (Node item : seq.getValue()) {
                    if (isNull(item)) {
                        continue;
                    }
                    checkedItem(file, item, handler);
                }
            }
        } catch (TagRefused e) {
            throw new RuleLoadException(file + ":" + e.line + ": YAML tag " + e.tag + " is not allowed");
        } catch (YAMLException e) {
            throw RuleLoadException.ofYaml(file, e);
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

    /** A custom tag on the root list, seen before the composer would see it. */
    private static final class TagRefused extends RuntimeException {
        final int line;
        final String tag;

        TagRefused(int line, String tag) {
            super(tag, null, false, false);
            this.line = line;
            this.tag = tag;
        }
    }

    /**
     * Presents each item of a document's root list as a document of its own (when {@code split}), so
     * the composer holds one item's nodes, not the whole file's. Other documents pass unchanged.
     * {@link #item} tells whether the last document started was such an item.
     */
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

    /** One item of a rules file; a bad one is reported to the handler and skipped, the next ones still read. */
    private static void checkedItem(String file, Node node, Handler handler) {
        if (!(node instanceof MappingNode m)) {
            handler.error(file + ":" + line(node) + ": each item must be a mapping");
            return;
        }
        try {
            item(file, m, handler);
        } catch (RuleLoadException e) {
            e.errors().forEach(handler::error);
        }
    }

    private static void item(String file, MappingNode node, Handler handler) throws RuleLoadException {
        Item item = new Item(file, line(node), mapping(file, node));
        if (item.has("required_engine_version")) {
            checkEngineVersion(file, item.node("required_engine_version"));
        } else if (item.has("required_plugin_versions")) {
            checkPlugins(file, item.node("required_plugin_versions"), handler);
        } else if (item.has("list")) {
            handler.list(item);
        } else if (item.has("macro")) {
            handler.macro(item);
        } else if (item.has("rule")) {
            handler.rule(item);
        } else {
            handler.warning(file + ":" + line(node) + ": unknown top level item, ignored");
        }
    }

    private static void checkEngineVersion(String file, Node n) throws RuleLoadException {
        String v = str(file, n);
        int[] required;
        if (v.matches("\\d+")) {
            required = new int[] {0, Integer.parseInt(v), 0};
        } else if (version(v) != null) {
            required = version(v);
        } else {
            throw new RuleLoadException(file + ":" + line(n) + ": required_engine_version must be a number or x.y.z, got '"
                    + v + "'");
        }
        if (!compatible(ENGINE_VERSION, required)) {
            throw new RuleLoadException(file + ":" + line(n) + ": rules require engine version " + v
                    + " but kaudit implements " + ENGINE_VERSION);
        }
    }

    /** {@code x.y.z} as three numbers, or null when the text is not one. */
    private static int[] version(String v) {
        if (!v.matches("\\d+\\.\\d+\\.\\d+")) {
            return null;
        }
        String[] p = v.split("\\.");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    private static boolean compatible(String have, int[] want) {
        int[] h = version(have);
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

    private static void checkPlugins(String file, Node n, Handler handler) throws RuleLoadException {
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
                handler.warning(file + ":" + line(entry) + ": plugin requirement " + names
                        + " is not one kaudit provides (k8saudit 0.18, json 0.7); rules using its fields will fail to load");
            }
        }
    }

    private static boolean satisfied(String file, Map<String, Node> m, List<String> names) throws RuleLoadException {
        String name = m.containsKey("name") ? str(file, m.get("name")) : "";
        String version = m.containsKey("version") ? str(file, m.get("version")) : "0.0.0";
        names.add(name + " " + version);
        String have = PLUGINS.get(name);
        int[] want = version(version);
        return have != null && want != null && compatible(have, want);
    }

    // ------------------------------------------------------------------ YAML nodes

    static int line(Node n) {
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

    static Map<String, Node> mapping(String file, Node n) throws RuleLoadException {
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

    static List<Node> seq(String file, Node n) throws RuleLoadException {
        checkTag(file, n);
        if (isNull(n)) {
            return List.of();
        }
        if (!(n instanceof SequenceNode sn)) {
            throw new RuleLoadException(file + ":" + line(n) + ": expected a list");
        }
        return sn.getValue();
    }

    static List<String> strings(String file, Node n) throws RuleLoadException {
        List<String> out = new ArrayList<>();
        for (Node x : seq(file, n)) {
            out.add(str(file, x));
        }
        return out;
    }

    static String str(String file, Node n) throws RuleLoadException {
        checkTag(file, n);
        if (!(n instanceof ScalarNode s)) {
            throw new RuleLoadException(file + ":" + line(n) + ": expected a single value");
        }
        return s.getValue();
    }

    static boolean bool(String file, Node n) throws RuleLoadException {
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
