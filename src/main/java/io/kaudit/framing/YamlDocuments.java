package io.kaudit.framing;

import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads YAML documents ({@code ---} separated), the default output of {@code gcloud logging read}
 * and of {@code kubectl}: each document becomes the JSON value it spells, one at a time, with the
 * line it starts on. Scalars keep their text: a timestamp stays a string (as in the JSON export),
 * only unquoted numbers, booleans and nulls become literals.
 */
public final class YamlDocuments {
    /**
     * The first line of a YAML document: "---", a block mapping key ("kind: Event", "insertId:") or
     * a block sequence item ("- insertId: ...").
     */
    private static final Pattern FIRST_LINE = Pattern.compile("---(\\s.*)?|%YAML.*|- .*"
            + "|[A-Za-z_@$][^:#{}\\[\\],]*:(\\s.*)?|'[^']*':(\\s.*)?|\"[^\"]*\":(\\s.*)?");
    private static final int MAX_DOCUMENT = 64 << 20;
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private YamlDocuments() {
    }

    /**
     * True when {@code line}, an input's first line holding more than a comment, starts a YAML
     * document. JSON starts with a bracket, CRI and CloudWatch lines with a digit: none qualifies.
     */
    static boolean startsDocument(String line) {
        return FIRST_LINE.matcher(line.strip()).matches();
    }

    /**
     * Delivers every document of {@code in} to {@code handler}, in order, as it is read. Documents
     * are cut at their markers ({@code ---}, {@code ...} at the start of a line) before they are
     * parsed, so a broken one is reported by its line and those after it are still read.
     */
    public static void read(InputStream in, String path, FrameHandler handler) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);   // no alias bombs
        options.setNestingDepthLimit(100);
        options.setCodePointLimit(MAX_DOCUMENT);
        options.setAllowDuplicateKeys(true);
        Yaml yaml = new Yaml(options);
        // UTF-8 (UTF-16 was converted by Input); a reader given a Charset replaces invalid bytes by
        // U+FFFD, as a JSON line's strings are, where SnakeYAML's UnicodeReader fails the whole input.
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        StringBuilder doc = new StringBuilder();
        long docLine = 1;          // where the document being gathered starts
        boolean content = false;   // it holds more than comments and directives
        boolean oversized = false;
        long number = 0;
        String l;
        while ((l = lines.readLine()) != null) {
            number++;
            if (number == 1 && l.startsWith("\uFEFF")) {
                l = l.substring(1);   // a UTF-8 byte order mark
            }
            boolean start = l.startsWith("---") && (l.length() == 3 || Character.isWhitespace(l.charAt(3)));
            boolean end = l.startsWith("...") && (l.length() == 3 || Character.isWhitespace(l.charAt(3)));
            if ((start && content) || end) {
                document(yaml, doc, docLine, oversized, path, handler);
                doc.setLength(0);
                content = false;
                oversized = false;
                docLine = end ? number + 1 : number;
                if (end) {
                    continue;
                }
            }
            String t = l.strip();
            content |= start ? t.length() > 3 && !t.substring(3).strip().startsWith("#")
                    : !t.isEmpty() && !t.startsWith("#") && !t.startsWith("%");
            if (doc.length() + l.length() >= MAX_DOCUMENT) {
                oversized = true;   // keep counting lines, hold no more of it
                doc.setLength(0);
            } else if (!oversized) {
                doc.append(l).append('\n');
            }
        }
        document(yaml, doc, docLine, oversized, path, handler);
    }

    private static void document(Yaml yaml, StringBuilder text, long firstLine, boolean oversized,
                                 String path, FrameHandler handler) {
        if (oversized) {
            handler.skipped(path, firstLine, "YAML document over " + (MAX_DOCUMENT >> 20) + " MiB, skipped");
            return;
        }
        Node node;
        try {
            node = yaml.compose(new StringReader(text.toString()));
        } catch (MarkedYAMLException e) {
            // The context (an unclosed bracket, say) is where the fault was made; the problem mark
            // may be the end of the document.
            Mark mark = e.getContextMark() != null ? e.getContextMark() : e.getProblemMark();
            String why = (e.getContext() != null ? e.getContext() + ": " : "") + e.getProblem();
            if (!jsonLines(text, firstLine, path, handler)) {
                handler.skipped(path, firstLine + (mark == null ? 0 : mark.getLine()), "invalid YAML: " + oneLine(why));
            }
            return;
        } catch (YAMLException e) {
            if (!jsonLines(text, firstLine, path, handler)) {
                handler.skipped(path, firstLine, "invalid YAML: " + oneLine(e.getMessage()));
            }
            return;
        }
        if (node != null) {
            JsonValue v;
            try {
                v = value(node);
            } catch (YAMLException e) {
                handler.skipped(path, firstLine, "invalid YAML: " + oneLine(e.getMessage()));
                return;
            }
            handler.value(path, v, firstLine + node.getStartMark().getLine());
        }
    }

    /**
     * A document that is not YAML, read again line by line: when some of its lines are each a whole
     * JSON object (JSON Lines after a YAML-looking start), those are the values and every other line
     * with content is one malformed line. False, and nothing handed over, when no line is JSON.
     */
    private static boolean jsonLines(StringBuilder text, long firstLine, String path, FrameHandler handler) {
        String[] lines = text.toString().split("\n", -1);
        JsonValue[] values = new JsonValue[lines.length];
        boolean any = false;
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (t.startsWith("{") && t.endsWith("}")) {
                try {
                    values[i] = io.kaudit.event.JsonReader.parse(t, io.kaudit.event.Projection.ALL);
                    any = true;
                } catch (java.io.IOException e) {
                    // not JSON either
                }
            }
        }
        if (!any) {
            return false;
        }
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (values[i] != null) {
                handler.value(path, values[i], firstLine + i);
            } else if (!t.isEmpty() && !t.startsWith("#") && !t.equals("---") && !t.equals("...")) {
                handler.skipped(path, firstLine + i, "neither YAML nor a line of JSON");
            }
        }
        return true;
    }

    private static JsonValue value(Node node) throws YAMLException {
        if (node instanceof MappingNode m) {
            JsonObject o = new JsonObject(Math.max(1, m.getValue().size()));
            for (NodeTuple t : m.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode key)) {
                    throw new YAMLException("a mapping key that is not a scalar (line "
                            + (t.getKeyNode().getStartMark().getLine() + 1) + ")");
                }
                o.put(key.getValue(), value(t.getValueNode()));
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            List<JsonValue> items = new ArrayList<>(s.getValue().size());
            for (Node item : s.getValue()) {
                items.add(value(item));
            }
            return new JsonArray(items);
        }
        ScalarNode scalar = (ScalarNode) node;
        String text = scalar.getValue();
        Tag tag = scalar.getTag();
        if (Tag.NULL.equals(tag)) {
            return JsonLiteral.NULL;
        }
        if (Tag.BOOL.equals(tag)) {
            String t = text.toLowerCase(java.util.Locale.ROOT);
            return t.equals("true") || t.equals("yes") || t.equals("on") || t.equals("y") ? JsonLiteral.TRUE
                    : JsonLiteral.FALSE;
        }
        if ((Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) && JSON_NUMBER.matcher(text).matches()) {
            return new JsonLiteral(text);
        }
        return new JsonString(text);   // strings, timestamps, and numbers JSON cannot spell (0x1f, .inf)
    }

    private static String oneLine(String s) {
        String m = s == null ? "syntax error" : s.replaceAll("[\\p{Cntrl}]", " ").strip();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
