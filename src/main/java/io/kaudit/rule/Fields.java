package io.kaudit.rule;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import io.kaudit.event.JsonWriter;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.FieldDef.Arg;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The field registry: every {@code ka.*} field of Falco's k8saudit plugin, the json plugin's
 * {@code jevt.*}/{@code json.*} fields and the generic {@code evt.*} time fields. The compiler, the
 * output formatter, {@code rules check} and the REPL's {@code fields} command all read this table.
 *
 * <p>Values follow the plugin (see README, "Differences from Falco", for the few plugin bugs
 * where kaudit gives the correct value instead).
 */
public final class Fields {
    private static final Map<String, FieldDef> TABLE = new LinkedHashMap<>();
    /** Fields whose value is the event time in ns as decimal text (present in every event). */
    private static final java.util.Set<String> EVENT_TIME_TEXT = new java.util.HashSet<>();
    private static final List<String> NO_PATH = List.of();
    /** The plain scalar fields by the one event path whose text they are ({@code [verb]} -> {@code ka.verb}). */
    private static final Map<List<String>, String> SCALAR_AT = new java.util.HashMap<>();
    private static final String[] KINDS = {"containers", "initContainers", "ephemeralContainers"};

    static {
        registerKa();
        registerJson("jevt");
        registerJson("json");
        registerEvt();
    }

    private Fields() {
    }

    public static FieldDef get(String name) {
        return TABLE.get(name);
    }

    /** The field whose value is the text at {@code path} (as {@code ka.verb} is {@code verb}'s), or null. */
    public static String scalarAt(List<String> path) {
        return SCALAR_AT.get(path);
    }

    public static Collection<FieldDef> all() {
        return Collections.unmodifiableCollection(TABLE.values());
    }

    /**
     * " (did you mean 'NAME'?)" for the registered field nearest to {@code name} by edit distance
     * (case-insensitive), or "" if none is close (more than a third of the name, at least 2, away).
     */
    public static String didYouMean(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String want = name.toLowerCase(java.util.Locale.ROOT);
        for (String candidate : TABLE.keySet()) {
            int d = editDistance(want, candidate.toLowerCase(java.util.Locale.ROOT), bestDistance);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    /** Levenshtein distance of a and b, or a value of at least {@code limit} once it is known to reach it. */
    static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) {
            return limit;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---------------------------------------------------------------- ka.*

    private static void registerKa() {
        scalar("ka.auditid", "the audit event id", "auditID");
        scalar("ka.stage", "the stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic)", "stage");
        annotation("ka.auth.decision", "authorization.k8s.io/decision", "the authorization decision (allow, forbid)");
        annotation("ka.auth.reason", "authorization.k8s.io/reason", "the authorization reason");
        annotation("ka.auth.openshift.decision", "authentication.openshift.io/decision", "OpenShift authentication decision");
        annotation("ka.auth.openshift.username", "authentication.openshift.io/username", "OpenShift authenticated user name");
        annotation("ka.validations.admission.policy.failure", "validation.policy.admission.k8s.io/validation_failure",
                "the ValidatingAdmissionPolicy failure, if any");
        annotation("ka.security.pod.violations", "pod-security.kubernetes.io/audit-violations",
                "the Pod Security admission audit violations, if any");
        annotation("ka.cluster.name", "cluster_name", "the cluster name, when a collector annotated it");
        scalar("ka.user.name", "the user name performing the request", "user", "username");
        list("ka.user.groups", "the groups of the user performing the request", Arg.NONE,
                paths(List.of("user", "groups")), arg -> e -> elements(at(e, "user", "groups"), false));
        scalar("ka.impuser.name", "the impersonated user name", "impersonatedUser", "username");
        scalar("ka.verb", "the action being performed", "verb");
        scalar("ka.uri", "the request URI as sent from client to server", "requestURI");
        define("ka.uri.param", false, Arg.REQUIRED, false, "the value of a given query parameter in the uri (ka.uri.param[command])",
                paths(List.of("requestURI")), arg -> e -> queryParam(string(e, "requestURI"), arg));
        scalar("ka.target.name", "the target object name", "objectRef", "name");
        scalar("ka.target.namespace", "the target object namespace", "objectRef", "namespace");
        scalar("ka.target.resource", "the target object resource", "objectRef", "resource");
        scalar("ka.target.subresource", "the target object subresource", "objectRef", "subresource");
        define("ka.target.pod.name", false, Arg.NONE, false, "the name of the pod a pod request created or changed",
                paths(List.of("objectRef"), List.of("responseObject", "metadata", "name")), arg -> e -> {
                    String sub = string(e, "objectRef", "subresource");
                    if (!"pods".equals(string(e, "objectRef", "resource")) || sub != null && !sub.isEmpty()) {
                        return null;
                    }
                    return text(at(e, "responseObject", "metadata", "name"));
                });
        list("ka.req.binding.subjects", "the subjects of a role binding (each as JSON)", Arg.NONE,
                paths(List.of("requestObject", "subjects")), arg -> e -> elements(at(e, "requestObject", "subjects"), true));
        subjects("ka.req.binding.subjects.user_names", "User", false);
        subjects("ka.req.binding.subjects.serviceaccount_names", "ServiceAccount", false);
        subjects("ka.req.binding.subjects.serviceaccount_ns_names", "ServiceAccount", true);
        subjects("ka.req.binding.subjects.group_names", "Group", false);
        scalar("ka.req.binding.role", "the role being bound (roleRef.name)", "requestObject", "roleRef", "name");
        define("ka.req.binding.subject.has_name", false, Arg.REQUIRED, false,
                "true if a subject of the binding has the given name, else false",
                paths(List.of("requestObject", "subjects")), arg -> e -> {
                    if (!(at(e, "requestObject", "subjects") instanceof JsonArray subjects)) {
                        return null;
                    }
                    for (JsonValue s : subjects.items()) {
                        if (s instanceof JsonObject o && arg.equals(o.string("name"))) {
                            return "true";
                        }
                    }
                    return "false";
                });
        scalar("ka.req.configmap.name", "the configmap name (objectRef.name)", "objectRef", "name");
        define("ka.req.configmap.obj", false, Arg.NONE, false, "the configmap data (requestObject.data) as JSON",
                paths(List.of("requestObject", "data")), arg -> e -> text(at(e, "requestObject", "data")));
        for (String kind : KINDS) {
            registerContainers(kind);
        }
        define("ka.req.container.image", false, Arg.NONE, false, "the image of the pod's first container",
                paths(List.of("requestObject", "spec", "containers")), arg -> e -> first(podImages(e, "containers", -1)));
        define("ka.req.container.image.repository", false, Arg.NONE, false,
                "the image repository of the pod's first container",
                paths(List.of("requestObject", "spec", "containers")), arg -> e -> {
                    String image = first(podImages(e, "containers", -1));
                    return image == null ? null : Images.repository(image);
                });
        define("ka.req.container.privileged", false, Arg.NONE, false,
                "true if any container of the pod is privileged, else false",
                paths(List.of("requestObject", "spec", "containers")), arg -> e -> {
                    if (!(at(e, "requestObject", "spec", "containers") instanceof JsonArray cs)) {
                        return null;
                    }
                    for (JsonValue c : cs.items()) {
                        if (JsonLiteral.TRUE.equals(at(c, "securityContext", "privileged"))) {   // the JSON boolean only
                            return "true";
                        }
                    }
                    return "false";
                });
        scalar("ka.req.pod.host_ipc", "the pod's hostIPC", "requestObject", "spec", "hostIPC");
        scalar("ka.req.pod.host_network", "the pod's hostNetwork", "requestObject", "spec", "hostNetwork");
        scalar("ka.req.container.host_network", "the pod's hostNetwork (alias of ka.req.pod.host_network)",
                "requestObject", "spec", "hostNetwork");
        scalar("ka.req.pod.host_pid", "the pod's hostPID", "requestObject", "spec", "hostPID");
        scalar("ka.req.pod.run_as_user", "the pod's runAsUser", "requestObject", "spec", "securityContext", "runAsUser");
        scalar("ka.req.pod.run_as_group", "the pod's runAsGroup", "requestObject", "spec", "securityContext", "runAsGroup");
        scalar("ka.req.pod.fs_group", "the pod's fsGroup", "requestObject", "spec", "securityContext", "fsGroup");
        list("ka.req.pod.supplemental_groups", "the pod's supplementalGroups", Arg.NONE,
                paths(List.of("requestObject", "spec", "securityContext", "supplementalGroups")),
                arg -> e -> elements(at(e, "requestObject", "spec", "securityContext", "supplementalGroups"), false));
        list("ka.req.role.rules", "the rules of a role (each as JSON)", Arg.NONE, paths(List.of("requestObject", "rules")),
                arg -> e -> elements(at(e, "requestObject", "rules"), true));
        for (String key : new String[] {"apiGroups", "nonResourceURLs", "verbs", "resources"}) {
            list("ka.req.role.rules." + key, "the " + key + " of the role's rules", Arg.INDEX,
                    paths(List.of("requestObject", "rules")), arg -> {
                        int index = index(arg);
                        return e -> flatten(walk(at(e, "requestObject", "rules"), index, key));
                    });
        }
        scalar("ka.req.service.type", "the service type", "requestObject", "spec", "type");
        list("ka.req.service.ports", "the service ports (each as JSON)", Arg.INDEX,
                paths(List.of("requestObject", "spec", "ports")), arg -> {
                    int index = index(arg);
                    return e -> present(index < 0 ? elements(at(e, "requestObject", "spec", "ports"), true)
                            : textsOf(walk(at(e, "requestObject", "spec", "ports"), index)));
                });
        volumes("ka.req.pod.volumes.hostpath", "the hostPath paths of the pod's volumes", "hostPath", "path");
        volumes("ka.req.pod.volumes.flexvolume_driver", "the flexVolume drivers of the pod's volumes", "flexVolume", "driver");
        list("ka.req.pod.volumes.volume_type", "the types of the pod's volumes (hostPath, configMap, ...)", Arg.INDEX,
                paths(List.of("requestObject", "spec", "volumes")), arg -> {
                    int index = index(arg);
                    return e -> {
                        List<String> out = new ArrayList<>();
                        for (JsonValue v : walk(at(e, "requestObject", "spec", "volumes"), index)) {
                            if (v instanceof JsonObject o) {
                                for (int i = 0; i < o.size(); i++) {
                                    if (!o.keyAt(i).equals("name")) {
                                        out.add(o.keyAt(i));
                                    }
                                }
                            }
                        }
                        return present(out);
                    };
                });
        define("ka.req.volume.hostpath", false, Arg.REQUIRED, false,
                "true if a hostPath volume mounts the given path (a trailing * matches a prefix), else false",
                paths(List.of("requestObject", "spec", "volumes")), arg -> {
                    boolean prefix = arg.endsWith("*");
                    String want = prefix ? arg.substring(0, arg.length() - 1) : arg;
                    return e -> {
                        if (!(at(e, "requestObject", "spec", "volumes") instanceof JsonArray vols)) {
                            return null;
                        }
                        for (JsonValue v : vols.items()) {
                            String path = text(at(v, "hostPath", "path"));
                            if (path != null && (prefix ? path.startsWith(want) : path.equals(want))) {
                                return "true";
                            }
                        }
                        return "false";
                    };
                });
        scalar("ka.resp.name", "the response object name", "responseObject", "metadata", "name");
        scalar("ka.response.code", "the response code", "responseStatus", "code");
        scalar("ka.response.reason", "the response reason", "responseStatus", "reason");
        scalar("ka.useragent", "the user agent of the client", "userAgent");
        list("ka.sourceips", "the IP addresses of the client (sourceIPs)", Arg.INDEX, paths(List.of("sourceIPs")), arg -> {
            int index = index(arg);
            return e -> present(index < 0 ? elements(at(e, "sourceIPs"), false) : textsOf(walk(at(e, "sourceIPs"), index)));
        });
    }

    private static void registerContainers(String kind) {
        String p = "ka.req.pod." + kind + ".";
        String what = kind.equals("containers") ? "container" : kind.equals("initContainers") ? "init container"
                : "ephemeral container";
        List<List<String>> spec = paths(List.of("requestObject", "spec", kind));
        list(p + "name", "the names of the pod's " + what + "s", Arg.INDEX, spec,
                arg -> e -> strict(containers(e, kind, index(arg)), "name"));
        list(p + "image", "the images of the pod's " + what + "s", Arg.INDEX, spec,
                arg -> e -> podImages(e, kind, index(arg)));
        list(p + "image.repository", "the image repositories of the pod's " + what + "s", Arg.INDEX, spec, arg -> e -> {
            List<String> images = podImages(e, kind, index(arg));
            if (images == null) {
                return null;
            }
            List<String> out = new ArrayList<>(images.size());
            for (String image : images) {
                out.add(Images.repository(image));
            }
            return out;
        });
        for (String key : new String[] {"command", "args"}) {
            list(p + key, "the " + key + " of the pod's " + what + "s, each joined with spaces", Arg.INDEX, spec, arg -> e -> {
                List<String> out = new ArrayList<>();
                for (JsonValue c : containers(e, kind, index(arg))) {
                    JsonValue v = at(c, key);
                    if (v == null) {
                        continue;
                    }
                    if (!(v instanceof JsonArray words)) {
                        return null;
                    }
                    StringBuilder sb = new StringBuilder();
                    for (JsonValue w : words.items()) {
                        if (!(w instanceof JsonString ws)) {
                            return null;
                        }
                        if (sb.length() > 0) {
                            sb.append(' ');
                        }
                        sb.append(ws.value());
                    }
                    out.add(sb.toString());
                }
                return present(out);
            });
        }
        String[][] security = {{"privileged", "privileged"}, {"allow_privilege_escalation", "allowPrivilegeEscalation"},
            {"read_only_fs", "readOnlyRootFilesystem"}, {"run_as_user", "runAsUser"}, {"run_as_group", "runAsGroup"},
            {"proc_mount", "procMount"}};
        for (String[] s : security) {
            list(p + s[0], "the securityContext." + s[1] + " of the pod's " + what + "s", Arg.INDEX, spec, arg -> e -> {
                List<String> out = new ArrayList<>();
                for (JsonValue c : containers(e, kind, index(arg))) {
                    String v = text(at(c, "securityContext", s[1]));
                    if (v != null) {
                        out.add(v);
                    }
                }
                return present(out);
            });
        }
        for (String[] s : new String[][] {{"eff_run_as_user", "runAsUser"}, {"eff_run_as_group", "runAsGroup"}}) {
            list(p + s[0], "the effective " + s[1] + " of each " + what + " (its own, else the pod's, else 0)", Arg.INDEX,
                    paths(List.of("requestObject", "spec")), arg -> e -> {
                        String podValue = text(at(e, "requestObject", "spec", "securityContext", s[1]));
                        List<String> out = new ArrayList<>();
                        for (JsonValue c : containers(e, kind, index(arg))) {
                            String v = text(at(c, "securityContext", s[1]));
                            out.add(v != null ? v : podValue != null ? podValue : "0");
                        }
                        return present(out);
                    });
        }
        list(p + "add_capabilities", "the capabilities added by the pod's " + what + "s", Arg.INDEX, spec, arg -> e -> {
            List<String> out = new ArrayList<>();
            for (JsonValue c : containers(e, kind, index(arg))) {
                if (at(c, "securityContext", "capabilities", "add") instanceof JsonArray caps) {
                    for (JsonValue cap : caps.items()) {
                        out.add(cap.asText());
                    }
                }
            }
            return present(out);
        });
        if (!kind.equals("ephemeralContainers")) {
            list(p + "host_port", "the host ports of the pod's " + what + "s (hostPort, else containerPort)", Arg.INDEX,
                    spec, arg -> e -> {
                        List<String> out = new ArrayList<>();
                        for (JsonValue c : containers(e, kind, index(arg))) {
                            JsonValue ports = at(c, "ports");
                            if (ports == null) {
                                continue;
                            }
                            if (!(ports instanceof JsonArray pa)) {
                                return null;
                            }
                            for (JsonValue port : pa.items()) {
                                JsonValue v = at(port, "hostPort");
                                if (v == null) {
                                    v = at(port, "containerPort");
                                }
                                if (v != null) {
                                    out.add(v.asText());
                                }
                            }
                        }
                        return present(out);
                    });
        }
    }

    private static void subjects(String name, String kind, boolean withNamespace) {
        list(name, "the names of the binding's " + kind + " subjects" + (withNamespace ? " as namespace:name" : ""),
                Arg.NONE, paths(List.of("requestObject", "subjects")), arg -> e -> {
                    if (!(at(e, "requestObject", "subjects") instanceof JsonArray subjects)) {
                        return null;
                    }
                    List<String> out = new ArrayList<>();
                    for (JsonValue s : subjects.items()) {
                        if (s instanceof JsonObject o && kind.equals(o.string("kind")) && o.string("name") != null) {
                            if (!withNamespace) {
                                out.add(o.string("name"));
                            } else if (o.string("namespace") != null) {
                                out.add(o.string("namespace") + ":" + o.string("name"));
                            }
                        }
                    }
                    return present(out);
                });
    }

    private static void volumes(String name, String description, String type, String key) {
        list(name, description, Arg.INDEX, paths(List.of("requestObject", "spec", "volumes")), arg -> {
            int index = index(arg);
            return e -> {
                List<String> out = new ArrayList<>();
                for (JsonValue v : walk(at(e, "requestObject", "spec", "volumes"), index)) {
                    String s = text(at(v, type, key));
                    if (s != null) {
                        out.add(s);
                    }
                }
                return present(out);
            };
        });
    }

    // ---------------------------------------------------------------- jevt.*, json.*, evt.*

    private static void registerJson(String prefix) {
        FieldDef value = new FieldDef(prefix + ".value", false, Arg.REQUIRED, false,
                "the value at a JSON pointer in the event (" + prefix + ".value[/user/username])",
                arg -> List.of(pointer(arg)), arg -> {
                    List<String> keys = pointer(arg);
                    return e -> text(pointerAt(e.root(), keys));
                });
        TABLE.put(value.name(), value);
        TABLE.put(prefix + ".obj", new FieldDef(prefix + ".obj", false, Arg.NONE, false, "the whole event as indented JSON",
                arg -> List.of(NO_PATH), arg -> e -> JsonWriter.indented(e.root())));
        EVENT_TIME_TEXT.add(prefix + ".rawtime");
        TABLE.put(prefix + ".rawtime", new FieldDef(prefix + ".rawtime", false, Arg.NONE, false,
                "the event time in ns since the epoch, as a string", arg -> List.of(),
                arg -> e -> Long.toString(e.timeNanos())));
    }

    private static void registerEvt() {
        evt("evt.time", "the event time as HH:MM:SS.nnnnnnnnn in the local time zone", false,
                e -> Timestamps.clock(e.timeNanos()));
        evt("evt.time.s", "the event time as HH:MM:SS in the local time zone", false,
                e -> Timestamps.clock(e.timeNanos()).substring(0, 8));
        evt("evt.time.iso8601", "the event time as YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000 (UTC)", false,
                e -> Timestamps.iso8601(e.timeNanos()));
        evt("evt.datetime", "the event time as YYYY-MM-DD HH:MM:SS.nnnnnnnnn in the local time zone", false,
                e -> java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.nnnnnnnnn")
                        .format(Timestamps.instant(e.timeNanos()).atZone(java.time.ZoneId.systemDefault())));
        EVENT_TIME_TEXT.add("evt.rawtime");
        evt("evt.rawtime", "the event time in ns since the epoch", true, e -> Long.toString(e.timeNanos()));
        evt("evt.rawtime.s", "the seconds part of the event time", true,
                e -> Long.toString(Math.floorDiv(e.timeNanos(), 1_000_000_000L)));
        evt("evt.rawtime.ns", "the nanoseconds part of the event time", true,
                e -> Long.toString(Math.floorMod(e.timeNanos(), 1_000_000_000L)));
        evt("evt.source", "the event source (k8s_audit)", false, e -> "k8s_audit");
        evt("evt.pluginname", "the plugin that would produce the event in Falco (k8saudit)", false, e -> "k8saudit");
        evt("evt.hostname", "the host name of the machine running kaudit", false, e -> Hostname.get());
    }

    private static void evt(String name, String description, boolean numeric, Getter getter) {
        TABLE.put(name, new FieldDef(name, false, Arg.NONE, numeric, description, arg -> List.of(), arg -> getter));
    }

    /**
     * Whether {@code name} is the event time in ns as decimal text: every event has it, and the
     * compiler may compare it as a number instead of formatting it per event.
     */
    public static boolean isEventTimeText(String name) {
        return EVENT_TIME_TEXT.contains(name);
    }

    // ---------------------------------------------------------------- table helpers

    private static void scalar(String name, String description, String... path) {
        List<String> p = List.of(path);
        SCALAR_AT.putIfAbsent(p, name);
        define(name, false, Arg.NONE, false, description, paths(p), arg -> e -> text(at(e, path)));
    }

    private static void annotation(String name, String key, String description) {
        define(name, false, Arg.NONE, false, description + " (annotation " + key + ")", paths(List.of("annotations", key)),
                arg -> e -> text(at(e, "annotations", key)));
    }

    private static void list(String name, String description, Arg arg, List<List<String>> paths,
                             Function<String, Getter> binder) {
        define(name, true, arg, false, description, paths, binder);
    }

    /** Every ka.* field is absent unless the event has an auditID, as in the plugin. */
    private static void define(String name, boolean list, Arg arg, boolean numeric, String description,
                               List<List<String>> paths, Function<String, Getter> binder) {
        List<List<String>> withGate = new ArrayList<>(paths);
        withGate.add(List.of("auditID"));
        Function<String, Getter> gated = a -> {
            Getter g = binder.apply(a);
            return e -> e.root().get("auditID") == null ? null : g.get(e);
        };
        TABLE.put(name, new FieldDef(name, list, arg, numeric, description, a -> withGate, gated));
    }

    @SafeVarargs
    private static List<List<String>> paths(List<String>... paths) {
        return Arrays.asList(paths);
    }

    // ---------------------------------------------------------------- JSON access

    static JsonValue at(AuditEvent e, String... path) {
        return at(e.root(), path);
    }

    static JsonValue at(JsonValue v, String... path) {
        for (String key : path) {
            if (!(v instanceof JsonObject o)) {
                return null;
            }
            v = o.get(key);
        }
        return v;
    }

    private static String string(AuditEvent e, String... path) {
        return at(e, path) instanceof JsonString s ? s.value() : null;
    }

    static String text(JsonValue v) {
        return v == null ? null : v.asText();
    }

    /** The container objects of spec.KIND, or only the one at {@code index} (>= 0). */
    private static List<JsonValue> containers(AuditEvent e, String kind, int index) {
        return walk(at(e, "requestObject", "spec", kind), index);
    }

    /** The elements of {@code v} if it is an array (only the one at {@code index} when >= 0); empty otherwise. */
    private static List<JsonValue> walk(JsonValue v, int index) {
        if (!(v instanceof JsonArray a)) {
            return List.of();
        }
        if (index < 0) {
            return a.items();
        }
        return index < a.size() ? List.of(a.get(index)) : List.of();
    }

    /** The values under {@code key} of each element, arrays kept as they are (flatten separately). */
    private static List<JsonValue> walk(JsonValue v, int index, String key) {
        List<JsonValue> out = new ArrayList<>();
        for (JsonValue item : walk(v, index)) {
            JsonValue x = at(item, key);
            if (x != null) {
                out.add(x);
            }
        }
        return out;
    }

    private static List<String> flatten(List<JsonValue> values) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : values) {
            if (v instanceof JsonArray a) {
                for (JsonValue x : a.items()) {
                    out.add(x.asText());
                }
            } else {
                out.add(v.asText());
            }
        }
        return present(out);
    }

    /** One missing key makes the whole list absent ("strict" in the plugin). */
    private static List<String> strict(List<JsonValue> objects, String key) {
        if (objects.isEmpty()) {
            return null;
        }
        List<String> out = new ArrayList<>(objects.size());
        for (JsonValue o : objects) {
            JsonValue v = at(o, key);
            if (v == null) {
                return null;
            }
            out.add(v.asText());
        }
        return out;
    }

    private static List<String> podImages(AuditEvent e, String kind, int index) {
        return strict(containers(e, kind, index), "image");
    }

    private static List<String> elements(JsonValue v, boolean compact) {
        if (!(v instanceof JsonArray a) || a.size() == 0) {
            return null;
        }
        List<String> out = new ArrayList<>(a.size());
        for (JsonValue x : a.items()) {
            out.add(compact ? JsonWriter.compact(x) : x.asText());
        }
        return out;
    }

    private static List<String> textsOf(List<JsonValue> values) {
        List<String> out = new ArrayList<>(values.size());
        for (JsonValue v : values) {
            out.add(JsonWriter.compact(v));
        }
        return out;
    }

    private static List<String> present(List<String> values) {
        return values == null || values.isEmpty() ? null : values;
    }

    private static String first(List<String> values) {
        return values == null ? null : values.get(0);
    }

    private static int index(String arg) {
        if (arg == null) {
            return -1;
        }
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field index must be a number, got '" + arg + "'");
        }
    }

    /** RFC 6901 pointer segments; the leading '/' is optional; "" is the whole document. */
    static List<String> pointer(String arg) {
        if (arg == null || arg.isEmpty() || arg.equals("/")) {
            return List.of();
        }
        String p = arg.startsWith("/") ? arg.substring(1) : arg;
        List<String> keys = new ArrayList<>();
        for (String seg : p.split("/", -1)) {
            keys.add(seg.replace("~1", "/").replace("~0", "~").intern());   // matches decoded keys by identity
        }
        return keys;
    }

    private static JsonValue pointerAt(JsonValue v, List<String> keys) {
        for (String key : keys) {
            if (v instanceof JsonObject o) {
                v = o.get(key);
            } else if (v instanceof JsonArray a) {
                int i;
                try {
                    i = Integer.parseInt(key);
                } catch (NumberFormatException ex) {
                    return null;
                }
                v = i >= 0 && i < a.size() ? a.get(i) : null;
            } else {
                return null;
            }
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    /** The first value of query parameter {@code key}, decoded like Go's url.ParseQuery; null if absent or invalid. */
    static String queryParam(String uri, String key) {
        if (uri == null) {
            return null;
        }
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        int hash = uri.indexOf('#', q);
        String query = hash < 0 ? uri.substring(q + 1) : uri.substring(q + 1, hash);
        String found = null;
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            if (pair.indexOf(';') >= 0) {
                return null;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            String dk;
            String dv;
            try {
                dk = URLDecoder.decode(k, StandardCharsets.UTF_8);
                dv = URLDecoder.decode(v, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException bad) {
                return null;
            }
            if (found == null && dk.equals(key)) {
                found = dv;
            }
        }
        return found;
    }
}
