package io.kaudit.decode;

import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonLiteral;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.util.List;

/**
 * Maps a GKE Cloud Logging entry ({@code protoPayload} of type AuditLog) onto the audit Event fields.
 * Cloud Logging has no stage, level or HTTP status: exec/attach become ResponseStarted with code 101,
 * everything else ResponseComplete, with 201 for creates and 200 otherwise unless the gRPC status
 * says the request failed. See README for what cannot be mapped.
 */
final class GkeEvents {
    private GkeEvents() {
    }

    static JsonObject toEvent(JsonObject entry, JsonObject pp) {
        JsonObject e = new JsonObject(20);
        e.put("kind", new JsonString("Event"));
        e.put("apiVersion", new JsonString("audit.k8s.io/v1"));
        String id = entry.string("insertId");
        JsonObject op = entry.object("operation");
        if (op != null && op.string("id") != null) {
            id = op.string("id");
        }
        e.put("auditID", new JsonString(id == null ? "" : id));
        String method = pp.string("methodName");
        String verb = method == null ? "" : method.substring(method.lastIndexOf('.') + 1);
        ObjectRef ref = ObjectRef.parse(pp.string("resourceName"));
        boolean connect = ref != null && ("exec".equals(ref.subresource) || "attach".equals(ref.subresource));
        e.put("stage", new JsonString(connect ? "ResponseStarted" : "ResponseComplete"));
        String resourceName = pp.string("resourceName");
        e.put("requestURI", new JsonString("/" + (resourceName == null ? "" : resourceName)));
        e.put("verb", new JsonString(verb));
        JsonObject user = new JsonObject(2);
        JsonObject authn = pp.object("authenticationInfo");
        String principal = authn == null ? null : authn.string("principalEmail");
        user.put("username", new JsonString(principal == null ? "" : principal));
        e.put("user", user);
        JsonObject meta = pp.object("requestMetadata");
        if (meta != null && meta.string("callerIp") != null) {
            e.put("sourceIPs", new JsonArray(List.of(new JsonString(meta.string("callerIp")))));
        }
        if (meta != null && meta.string("callerSuppliedUserAgent") != null) {
            e.put("userAgent", new JsonString(meta.string("callerSuppliedUserAgent")));
        }
        if (ref != null) {
            e.put("objectRef", ref.toJson());
        }
        JsonObject status = new JsonObject(2);
        status.put("code", new JsonLiteral(Integer.toString(httpCode(pp, verb, connect))));
        e.put("responseStatus", status);
        JsonValue request = pp.get("request");
        if (request instanceof JsonObject r) {
            e.put("requestObject", withoutType(r));
        }
        JsonValue response = pp.get("response");
        if (response instanceof JsonObject r) {
            e.put("responseObject", withoutType(r));
        }
        String ts = entry.string("timestamp");
        if (ts != null) {
            e.put("requestReceivedTimestamp", new JsonString(ts));
            e.put("stageTimestamp", new JsonString(ts));
        }
        if (entry.get("labels") instanceof JsonObject labels) {
            e.put("annotations", labels);
        }
        return e;
    }

    private static int httpCode(JsonObject pp, String verb, boolean connect) {
        JsonObject status = pp.object("status");
        JsonValue code = status == null ? null : status.get("code");
        String c = code == null ? "0" : code.asText();
        switch (c) {
            case "0":
                return connect ? 101 : "create".equals(verb) ? 201 : 200;
            case "7":
                return 403;
            case "16":
                return 401;
            case "5":
                return 404;
            case "6":
            case "10":
                return 409;
            case "3":
                return 400;
            default:
                return 500;
        }
    }

    private static JsonObject withoutType(JsonObject o) {
        JsonObject r = new JsonObject(o.size());
        for (int i = 0; i < o.size(); i++) {
            if (!"@type".equals(o.keyAt(i))) {
                r.put(o.keyAt(i), o.valueAt(i));
            }
        }
        return r;
    }

    /** {@code group/version/[namespaces/NS/]resource/name[/sub]}, the core group written "core". */
    private record ObjectRef(String group, String version, String namespace, String resource, String name,
                             String subresource) {
        static ObjectRef parse(String resourceName) {
            if (resourceName == null) {
                return null;
            }
            String[] p = resourceName.split("/");
            if (p.length < 3) {
                return null;
            }
            int i = 2;
            String ns = null;
            if (p[i].equals("namespaces") && p.length >= i + 4) {
                ns = p[i + 1];
                i += 2;
            }
            String resource = p[i];
            String name = p.length > i + 1 ? p[i + 1] : null;
            String sub = p.length > i + 2 ? p[i + 2] : null;
            if (p[2].equals("namespaces") && ns == null) {
                resource = "namespaces";
                name = p.length > 3 ? p[3] : null;
                sub = p.length > 4 ? p[4] : null;
            }
            return new ObjectRef(p[0].equals("core") ? "" : p[0], p[1], ns, resource, name, sub);
        }

        JsonObject toJson() {
            JsonObject o = new JsonObject(7);
            o.put("resource", new JsonString(resource));
            if (namespace != null) {
                o.put("namespace", new JsonString(namespace));
            }
            if (name != null) {
                o.put("name", new JsonString(name));
            }
            o.put("apiGroup", new JsonString(group));
            o.put("apiVersion", new JsonString(version));
            if (subresource != null) {
                o.put("subresource", new JsonString(subresource));
            }
            return o;
        }
    }
}
