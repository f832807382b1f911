package io.kaudit.rule.sigma;

import io.kaudit.rule.RuleLoadException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Where a Sigma field name reads the audit event: the audit schema's own dotted paths
 * ({@code objectRef.resource}), the short names SigmaHQ's rules use ({@code apiGroup},
 * {@code hostPath}, {@code capabilities}), a JSON pointer ({@code /requestObject/spec/nodeName}:
 * a custom path), and the names a mapping file adds or overrides (pySigma's
 * {@code field_name_mapping} transformation). A path walks objects and, transparently, arrays.
 */
public final class SigmaFields {
    /** The short names, with what they read (several paths: any of them). */
    static final Map<String, List<String>> SHORT = new LinkedHashMap<>();
    /** The audit.k8s.io/v1 Event's fields with fixed sub-fields (objects with free content take any path). */
    private static final Set<String> SCHEMA = Set.of("kind", "apiVersion", "level", "auditID", "stage", "requestURI",
            "verb", "user", "user.username", "user.uid", "user.groups", "user.extra", "impersonatedUser",
            "impersonatedUser.username", "impersonatedUser.uid", "impersonatedUser.groups", "impersonatedUser.extra",
            "sourceIPs", "userAgent", "objectRef", "objectRef.resource", "objectRef.namespace", "objectRef.name",
            "objectRef.uid", "objectRef.apiGroup", "objectRef.apiVersion", "objectRef.resourceVersion",
            "objectRef.subresource", "responseStatus", "responseStatus.code", "responseStatus.status",
            "responseStatus.message", "responseStatus.reason", "responseStatus.details", "responseStatus.metadata",
            "requestReceivedTimestamp", "stageTimestamp", "annotations", "requestObject", "responseObject");
    /** Prefixes whose content is free (any sub-path is accepted). */
    private static final List<String> FREE = List.of("requestObject.", "responseObject.", "user.extra.",
            "impersonatedUser.extra.", "responseStatus.details.", "responseStatus.metadata.");
    /** Fields whose value is a number in the schema. */
    static final Set<String> NUMERIC = Set.of("responseStatus.code");

    static {
        SHORT.put("apiGroup", List.of("objectRef.apiGroup"));
        SHORT.put("apiVersion", List.of("objectRef.apiVersion"));
        SHORT.put("resource", List.of("objectRef.resource"));
        SHORT.put("subresource", List.of("objectRef.subresource"));
        SHORT.put("namespace", List.of("objectRef.namespace"));
        SHORT.put("name", List.of("objectRef.name"));
        SHORT.put("username", List.of("user.username"));
        SHORT.put("groups", List.of("user.groups"));
        SHORT.put("sourceIP", List.of("sourceIPs"));
        SHORT.put("code", List.of("responseStatus.code"));
        SHORT.put("hostPath", List.of("requestObject.spec.volumes.hostPath.path"));
        SHORT.put("capabilities", List.of("requestObject.spec.containers.securityContext.capabilities.add",
                "requestObject.spec.initContainers.securityContext.capabilities.add",
                "requestObject.spec.ephemeralContainers.securityContext.capabilities.add"));
        SHORT.put("privileged", List.of("requestObject.spec.containers.securityContext.privileged",
                "requestObject.spec.initContainers.securityContext.privileged",
                "requestObject.spec.ephemeralContainers.securityContext.privileged"));
        SHORT.put("image", List.of("requestObject.spec.containers.image", "requestObject.spec.initContainers.image",
                "requestObject.spec.ephemeralContainers.image"));
        SHORT.put("hostNetwork", List.of("requestObject.spec.hostNetwork"));
        SHORT.put("hostPID", List.of("requestObject.spec.hostPID"));
        SHORT.put("hostIPC", List.of("requestObject.spec.hostIPC"));
        SHORT.put("decision", List.of("annotations.authorization.k8s.io/decision"));
        SHORT.put("reason", List.of("annotations.authorization.k8s.io/reason"));
    }

    private final Map<String, List<String>> overrides = new LinkedHashMap<>();
    private final Map<String, List<String>> placeholders = new LinkedHashMap<>();
    private final String mappingFile;

    public SigmaFields() {
        this.mappingFile = null;
    }

    private SigmaFields(String file) {
        this.mappingFile = file;
    }

    /** The placeholder values of the mapping file's {@code value_placeholders} (for {@code expand}). */
    List<String> placeholder(String name) {
        return placeholders.get(name);
    }

    /**
     * The paths {@code field} reads, or null when neither the schema, the short names nor the
     * mapping file know it.
     */
    List<List<String>> resolve(String field) {
        List<String> targets = overrides.get(field);
        if (targets == null) {
            targets = SHORT.get(field);
        }
        if (targets == null) {
            targets = List.of(field);
        }
        List<List<String>> out = new ArrayList<>();
        for (String t : targets) {
            List<String> p = path(t);
            if (p == null) {
                return null;
            }
            out.add(p);
        }
        return out;
    }

    /** Whether the values at {@code field} are numbers in the audit schema. */
    boolean numeric(String field) {
        List<String> targets = overrides.getOrDefault(field, SHORT.getOrDefault(field, List.of(field)));
        return targets.size() == 1 && NUMERIC.contains(targets.get(0));
    }

    /** The keys of a schema path, a JSON pointer, or null. */
    static List<String> path(String p) {
        if (p.startsWith("/")) {
            List<String> keys = new ArrayList<>();
            for (String seg : p.substring(1).split("/", -1)) {
                keys.add(seg.replace("~1", "/").replace("~0", "~").intern());
            }
            return keys;
        }
        if (p.startsWith("annotations.") && p.length() > "annotations.".length()) {
            return List.of("annotations", p.substring("annotations.".length()).intern());
        }
        boolean known = SCHEMA.contains(p);
        for (String f : FREE) {
            known |= p.startsWith(f) && p.length() > f.length();
        }
        if (!known) {
            return null;
        }
        List<String> keys = new ArrayList<>();
        for (String k : p.split("\\.", -1)) {
            keys.add(k.intern());
        }
        return keys;
    }

    /**
     * Reads a pySigma processing pipeline: every {@code field_name_mapping} transformation's
     * {@code mapping} (a name to one path or a list of paths) and {@code value_placeholders}
     * transformation's {@code mapping} (for {@code expand}).
     */
    public static SigmaFields load(Path file) throws RuleLoadException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RuleLoadException(file + ": cannot read Sigma mapping file: " + io.kaudit.source.Input.reason(e));
        }
        SigmaFields f = new SigmaFields(file.toString());
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(32);
        try (Reader r = new StringReader(text)) {
            Node root = new Yaml(options).compose(r);
            if (!(root instanceof MappingNode m)) {
                throw new RuleLoadException(file + ": a Sigma mapping file is a processing pipeline (a mapping with "
                        + "'transformations')");
            }
            Node transformations = get(m, "transformations");
            if (!(transformations instanceof SequenceNode seq)) {
                throw new RuleLoadException(file + ":" + line(m) + ": 'transformations' must be a list");
            }
            for (Node t : seq.getValue()) {
                if (!(t instanceof MappingNode tm)) {
                    throw new RuleLoadException(file + ":" + line(t) + ": each transformation must be a mapping");
                }
                Node type = get(tm, "type");
                String kind = type instanceof ScalarNode s ? s.getValue() : "";
                Node mapping = get(tm, "mapping");
                if (!kind.equals("field_name_mapping") && !kind.equals("value_placeholders")) {
                    throw new RuleLoadException(file + ":" + line(t) + ": transformation type '" + kind
                            + "' is not supported (field_name_mapping, value_placeholders)");
                }
                if (!(mapping instanceof MappingNode mm)) {
                    throw new RuleLoadException(file + ":" + line(t) + ": '" + kind + "' needs a 'mapping'");
                }
                for (NodeTuple e : mm.getValue()) {
                    String key = ((ScalarNode) e.getKeyNode()).getValue();
                    List<String> values = new ArrayList<>();
                    if (e.getValueNode() instanceof ScalarNode s) {
                        values.add(s.getValue());
                    } else if (e.getValueNode() instanceof SequenceNode vs) {
                        for (Node v : vs.getValue()) {
                            if (!(v instanceof ScalarNode s)) {
                                throw new RuleLoadException(file + ":" + line(v) + ": '" + key + "': values must be text");
                            }
                            values.add(s.getValue());
                        }
                    } else {
                        throw new RuleLoadException(file + ":" + line(e.getValueNode()) + ": '" + key
                                + "': a path or a list of paths");
                    }
                    if (kind.equals("value_placeholders")) {
                        f.placeholders.put(key, List.copyOf(values));
                        continue;
                    }
                    for (String v : values) {
                        if (path(v) == null) {
                            throw new RuleLoadException(file + ":" + line(e.getValueNode()) + ": '" + key + "' maps to '"
                                    + v + "', which is not an audit event path (use a JSON pointer such as /a/b for a"
                                    + " custom path)");
                        }
                    }
                    f.overrides.put(key, List.copyOf(values));
                }
            }
        } catch (YAMLException e) {
            throw RuleLoadException.ofYaml(file, e);
        } catch (ClassCastException e) {
            throw new RuleLoadException(file + ": not a pySigma processing pipeline (a value of the wrong kind)");
        } catch (IOException e) {
            throw new RuleLoadException(file + ": " + e.getMessage());
        }
        return f;
    }

    String mappingFile() {
        return mappingFile;
    }

    private static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }
}
