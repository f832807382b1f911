package io.kaudit.report.html;

import io.kaudit.engine.AuditLevels;
import io.kaudit.engine.EventObserver;
import io.kaudit.event.AuditEvent;
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
    /** The last actor of each kind: consecutive events often share one (no hashing then). */
    private ActorStats lastUser;
    private ActorStats lastIp;

    @Override
    public void event(AuditEvent e) {
        JsonObject root = e.root();
        levels.count(root.string("level"), root.string("stage"));
        event(e.timeNanos(), user(root), sourceIp(root), root.string("verb"), resource(root));
    }

    /** Counts one event from its parts (levels are counted apart). */
    void event(long nanos, String user, String ip, String verb, String resource) {
        long millis = Math.floorDiv(nanos, 1_000_000L);
        events.add(millis);
        if (user != null) {
            ActorStats a = lastUser != null && lastUser.name.equals(user) ? lastUser : actor(users, user, userKind(user));
            lastUser = a;
            if (a != null) {
                a.event(millis, verb, resource);
            } else {
                usersLeftOut++;
            }
        }
        if (ip != null) {
            ActorStats a = lastIp != null && lastIp.name.equals(ip) ? lastIp : actor(ips, ip, SOURCE_IP);
            lastIp = a;
            if (a != null) {
                a.event(millis, verb, resource);
            } else {
                ipsLeftOut++;
            }
        }
    }

    private static ActorStats actor(Map<String, ActorStats> m, String key, String kind) {
        ActorStats a = m.get(key);
        if (a == null && m.size() < MAX_ACTORS) {
            a = new ActorStats(kind, key);
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
        JsonObject u = root.object("user");
        return u == null ? null : u.string("username");
    }

    /** The first of {@code sourceIPs} (the client; later ones are proxies), or null. */
    static String sourceIp(JsonObject root) {
        JsonValue v = root.get("sourceIPs");
        if (v instanceof JsonArray a && a.size() > 0 && a.get(0) instanceof JsonString s) {
            return s.value();
        }
        return null;
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
