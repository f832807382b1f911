package io.kaudit.decode;

import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kube-apiserver's legacy one-line audit format ({@code --audit-log-format=legacy}):
 * {@code TIME AUDIT: id="..." stage="..." ip="..." method="..." user="..." groups="..." as="..."
 * asgroups="..." user-agent="..." namespace="..." uri="..." response="..."}, values quoted as Go's
 * %q does. Such a line becomes the Event it summarises: the object it touched is read from the URI
 * as the API server's request info does (resource, name, subresource, API group); it carries no
 * request or response bodies.
 */
final class LegacyAuditLine {
    private static final byte[] MARK = " AUDIT: ".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    private LegacyAuditLine() {
    }

    /** The Event of the legacy line {@code [from, to)}, or null when it is no such line. */
    static JsonObject parse(byte[] b, int from, int to) {
        int mark = indexOf(b, from, Math.min(to, from + 64));
        if (mark < 0 || b[from] < '0' || b[from] > '9') {
            return null;
        }
        String time = new String(b, from, mark - from, StandardCharsets.US_ASCII);
        Map<String, String> kv = pairs(new String(b, mark + MARK.length, to - mark - MARK.length, StandardCharsets.UTF_8));
        if (kv == null || !kv.containsKey("id") || !kv.containsKey("uri")) {
            return null;
        }
        JsonObject e = new JsonObject(16);
        e.put("kind", new JsonString("Event"));
        e.put("apiVersion", new JsonString("audit.k8s.io/v1"));
        e.put("level", new JsonString("Metadata"));
        e.put("auditID", new JsonString(kv.get("id")));
        e.put("stage", new JsonString(kv.getOrDefault("stage", "ResponseComplete")));
        e.put("requestURI", new JsonString(kv.get("uri")));
        e.put("verb", new JsonString(kv.getOrDefault("method", "")));
        e.put("user", user(kv.get("user"), kv.get("groups"), "<none>"));
        String as = kv.get("as");
        if (as != null && !as.equals("<self>")) {
            e.put("impersonatedUser", user(as, kv.get("asgroups"), "<lookup>"));
        }
        String ip = kv.get("ip");
        if (ip != null && !ip.equals("<unknown>")) {
            e.put("sourceIPs", new JsonArray(List.of(new JsonString(ip))));
        }
        if (kv.containsKey("user-agent")) {
            e.put("userAgent", new JsonString(kv.get("user-agent")));
        }
        JsonObject ref = objectRef(kv.get("uri"), kv.get("namespace"));
        if (ref != null) {
            e.put("objectRef", ref);
        }
        String response = kv.get("response");
        if (response != null && response.matches("\\d{1,3}")) {
            JsonObject status = new JsonObject(1);
            status.put("code", new JsonLiteral(response));
            e.put("responseStatus", status);
        }
        e.put("requestReceivedTimestamp", new JsonString(time));
        e.put("stageTimestamp", new JsonString(time));
        return e;
    }

    private static JsonObject user(String name, String groups, String noGroups) {
        JsonObject u = new JsonObject(2);
        if (name != null && !name.equals("<none>")) {
            u.put("username", new JsonString(name));
        }
        if (groups != null && !groups.equals(noGroups) && !groups.equals("<none>")) {
            List<JsonValue> items = new ArrayList<>();
            for (String g : unquoteAll(groups)) {   // each group quoted, then the joined list quoted again
                items.add(new JsonString(g));
            }
            u.put("groups", new JsonArray(items));
        }
        return u;
    }

    /** {@code "a","b"} (after the outer unquoting) as a, b. */
    private static List<String> unquoteAll(String list) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < list.length()) {
            if (list.charAt(i) != '"') {
                i++;
                continue;
            }
            int[] end = new int[1];
            String s = unquote(list, i, end);
            if (s == null) {
                break;
            }
            out.add(s);
            i = end[0];
        }
        return out;
    }

    /** The object a request URI names, as the API server's request info reads it; null for non-resource URLs. */
    static JsonObject objectRef(String uri, String namespace) {
        String path = uri;
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        String[] all = path.replaceAll("^/+|/+$", "").split("/+");
        int i;
        String group = "";
        String version;
        if (all.length >= 2 && all[0].equals("api")) {
            version = all[1];
            i = 2;
        } else if (all.length >= 3 && all[0].equals("apis")) {
            group = all[1];
            version = all[2];
            i = 3;
        } else {
            return null;
        }
        List<String> parts = new ArrayList<>(List.of(all).subList(i, all.length));
        if (!parts.isEmpty() && parts.get(0).equals("watch")) {
            parts.remove(0);
        }
        if (parts.isEmpty()) {
            return null;
        }
        String ns = namespace != null && !namespace.equals("<none>") ? namespace : null;
        if (parts.get(0).equals("namespaces") && parts.size() > 1) {
            ns = parts.get(1);
            if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
                parts = parts.subList(2, parts.size());
            }
        }
        JsonObject ref = new JsonObject(6);
        ref.put("resource", new JsonString(parts.get(0)));
        if (ns != null) {
            ref.put("namespace", new JsonString(ns));
        }
        if (parts.size() > 1) {
            ref.put("name", new JsonString(parts.get(1)));
        }
        if (parts.size() > 2) {
            ref.put("subresource", new JsonString(parts.get(2)));
        }
        ref.put("apiGroup", new JsonString(group));
        ref.put("apiVersion", new JsonString(version));
        return ref;
    }

    /** {@code key="value" ...} with Go-quoted values, or null when malformed. */
    private static Map<String, String> pairs(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0 || eq + 1 >= n || s.charAt(eq + 1) != '"') {
                return null;
            }
            int[] end = new int[1];
            String value = unquote(s, eq + 1, end);
            if (value == null) {
                return null;
            }
            out.put(s.substring(i, eq), value);
            i = end[0];
        }
        return out;
    }

    /** The Go-quoted string opening at {@code at}; {@code end[0]} is set past its closing quote. */
    private static String unquote(String s, int at, int[] end) {
        StringBuilder sb = new StringBuilder();
        int i = at + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                end[0] = i + 1;
                return sb.toString();
            }
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                i++;
                continue;
            }
            char x = s.charAt(i + 1);
            int hexDigits = x == 'x' ? 2 : x == 'u' ? 4 : x == 'U' ? 8 : 0;
            if (hexDigits > 0 && i + 2 + hexDigits <= s.length()) {
                try {
                    sb.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 2 + hexDigits), 16));
                } catch (IllegalArgumentException e) {
                    return null;
                }
                i += 2 + hexDigits;
                continue;
            }
            sb.append(switch (x) {
                case 'n' -> '\n';
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'a' -> '\u0007';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'v' -> '\u000b';
                default -> x;   // \" \\ \'
            });
            i += 2;
        }
        return null;
    }

    private static int indexOf(byte[] b, int from, int to) {
        outer:
        for (int i = from; i + MARK.length <= to; i++) {
            for (int k = 0; k < MARK.length; k++) {
                if (b[i + k] != MARK[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
