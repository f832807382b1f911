package io.kaudit.report.html;

import io.kaudit.engine.AuditLevels;
import io.kaudit.engine.EventObserver;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Interner;
import io.kaudit.event.JsonArray;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonString;
import io.kaudit.event.JsonValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's aggregates over every event (not only those that alerted), counted as the run
 * streams: event volume over time, levels and stages, and per actor (user, service account, source
 * IP) what {@link ActorStats} keeps. One per worker thread; merged at the end. Memory is bounded:
 * past {@link #MAX_ACTORS} actors of a kind, further ones are only counted.
 */
final class EventTally implements EventObserver {
    static final int MAX_ACTORS = 5000;
    static final String USER = "user";
    static final String SERVICE_ACCOUNT = "serviceaccount";
    static final String SOURCE_IP = "ip";
    private static final String SA_PREFIX = "system:serviceaccount:";

    /** The event paths this needs decoded, beyond what the rules read. */
    static final List<List<String>> PATHS = List.of(List.of("user", "username"), List.of("sourceIPs"),
            List.of("verb"), List.of("objectRef", "resource"), List.of("objectRef", "subresource"),
            List.of("objectRef", "namespace"), List.of("level"), List.of("stage"));

    final TimeHistogram events = new TimeHistogram();
    final AuditLevels levels = new AuditLevels();
    final Map<String, ActorStats> users = new HashMap<>();
    final Map<String, ActorStats> ips = new HashMap<>();
    /** Events whose actor was not kept (past the cap), by kind. */
    long usersLeftOut;
    long ipsLeftOut;
    /** The last actor of each kind and its name: consecutive events often share one (no hashing then). */
    private String lastUserName;
    private ActorStats lastUser;
    private String lastIpName;
    private ActorStats lastIp;

    /** This thread's strings: a repeated user, IP, verb or level is one String, compared by identity. */
    private final Interner strings = new Interner();
    /** The last resource and subresource joined, and the result ({@code pods/exec}, made once per change). */
    private String lastRef;
    private String lastSub;
    private String lastJoined;
    /** The joined pairs made so far, at most {@link #MAX_JOINS} (the rest are made each time). */
    private final Map<String, Map<String, String>> joins = new HashMap<>();
    private int joinCount;
    private static final int MAX_JOINS = 1000;

    @Override
    public void event(AuditEvent e) {
        JsonObject root = e.root();
        Interner in = strings;
        levels.count(in.text(root.get("level")), in.text(root.get("stage")));
        String user = in.text(userValue(root));
        String ip = in.text(sourceIpValue(root));
        JsonObject ref = root.object("objectRef");
        String resource = null;
        if (ref != null) {
            resource = in.text(ref.get("resource"));
            String sub = resource == null ? null : in.text(ref.get("subresource"));
            if (sub != null) {
                resource = joined(resource, sub);
            }
        }
        event(e.timeNanos(), user, ip, in.text(root.get("verb")), resource);
    }

    /** {@code resource/sub}, one String per pair (up to a bound), so actors count it by identity. */
    private String joined(String resource, String sub) {
        if (resource != lastRef || sub != lastSub) {
            lastRef = resource;
            lastSub = sub;
            lastJoined = join(resource, sub);
        }
        return lastJoined;
    }

    private String join(String resource, String sub) {
        Map<String, String> m = joins.get(resource);
        String j = m == null ? null : m.get(sub);
        if (j == null) {
            j = resource + "/" + sub;
            if (joinCount < MAX_JOINS) {
                if (m == null) {
                    m = new HashMap<>();
                    joins.put(resource, m);
                }
                m.put(sub, j);
                joinCount++;
            }
        }
        return j;
    }

    /**
     * Counts one event from its parts (levels are counted apart). The same String for a repeated
     * actor (interned) is an identity check; another String of the same text takes the lookup.
     */
    void event(long nanos, String user, String ip, String verb, String resource) {
        long millis = Math.floorDiv(nanos, 1_000_000L);
        events.add(millis);
        if (user != null) {
            if (user != lastUserName) {
                lastUserName = user;
                lastUser = actor(users, user, null);
            }
            if (lastUser != null) {
                lastUser.event(millis, verb, resource);
            } else {
                usersLeftOut++;
            }
        }
        if (ip != null) {
            if (ip != lastIpName) {
                lastIpName = ip;
                lastIp = actor(ips, ip, SOURCE_IP);
            }
            if (lastIp != null) {
                lastIp.event(millis, verb, resource);
            } else {
                ipsLeftOut++;
            }
        }
    }

    /** The actor {@code key} of {@code kind} (null: a user or service account, told by its name), or null past the cap. */
    private static ActorStats actor(Map<String, ActorStats> m, String key, String kind) {
        ActorStats a = m.get(key);
        if (a == null && m.size() < MAX_ACTORS) {
            a = new ActorStats(kind != null ? kind : userKind(key), key);
            m.put(key, a);
        }
        return a;
    }

    /** A user name's kind: a service account ({@code system:serviceaccount:NS:NAME}) or a user. */
    static String userKind(String user) {
        return user.startsWith(SA_PREFIX) ? SERVICE_ACCOUNT : USER;
    }

    void merge(EventTally o) {
        events.merge(o.events);
        levels.merge(o.levels);
        mergeActors(users, o.users);
        mergeActors(ips, o.ips);
        usersLeftOut += o.usersLeftOut;
        ipsLeftOut += o.ipsLeftOut;
    }

    private static void mergeActors(Map<String, ActorStats> into, Map<String, ActorStats> from) {
        from.forEach((k, v) -> {
            ActorStats a = into.get(k);
            if (a == null) {
                into.put(k, v);
            } else {
                a.merge(v);
            }
        });
    }

    /** {@code user.username}, or null. */
    static String user(JsonObject root) {
        return userValue(root) instanceof JsonString s ? s.value() : null;
    }

    /** The first of {@code sourceIPs} (the client; later ones are proxies), or null. */
    static String sourceIp(JsonObject root) {
        return sourceIpValue(root) instanceof JsonString s ? s.value() : null;
    }

    /** Where {@link #user} reads from, for the per-event path that decodes through its interner. */
    private static JsonValue userValue(JsonObject root) {
        JsonObject u = root.object("user");
        return u == null ? null : u.get("username");
    }

    private static JsonValue sourceIpValue(JsonObject root) {
        return root.get("sourceIPs") instanceof JsonArray a && a.size() > 0 ? a.get(0) : null;
    }

    /** {@code objectRef.resource}, with {@code /subresource} when there is one ({@code pods/exec}), or null. */
    static String resource(JsonObject root) {
        JsonObject ref = root.object("objectRef");
        if (ref == null) {
            return null;
        }
        String r = ref.string("resource");
        String sub = ref.string("subresource");
        return r == null ? null : sub == null ? r : r + "/" + sub;
    }

    static String namespace(JsonObject root) {
        JsonObject ref = root.object("objectRef");
        return ref == null ? null : ref.string("namespace");
    }
}
