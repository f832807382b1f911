package io.kaudit.report.html;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The report's aggregates count by text: interned or not, escaped or not, the same actor, verb and resource. */
class EventTallyTest {
    private static String event(String user, String ip, String verb, String resource, String sub, int second) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"stage\":\"ResponseComplete\","
                + "\"verb\":\"" + verb + "\",\"user\":{\"username\":\"" + user + "\"},\"sourceIPs\":[\"" + ip + "\",\"10.9.9.9\"],"
                + "\"objectRef\":{\"resource\":\"" + resource + "\"" + (sub == null ? "" : ",\"subresource\":\"" + sub + "\"") + "},"
                + "\"stageTimestamp\":\"2026-03-14T09:00:" + String.format("%02d", second) + ".000000Z\"}";
    }

    /** Every actor as "kind name events first-last verbs resources". */
    private static Map<String, String> actors(EventTally t) {
        Map<String, String> m = new TreeMap<>();
        for (Map<String, ActorStats> kind : List.of(t.users, t.ips)) {
            kind.values().forEach(a -> m.put(a.kind + " " + a.name, a.events + " " + a.firstMillis + "-" + a.lastMillis
                    + " " + counts(a.verbs) + " " + counts(a.resources)));
        }
        return m;
    }

    private static Map<String, Long> counts(Map<String, long[]> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }

    @Test
    void decodedEventsCountAsTheirPartsDo() {
        List<String> lines = new ArrayList<>();
        String[] users = {"system:node:ip-10-0-1-21.ec2.internal", "system:node:ip-10-0-2-37.ec2.internal",
                "system:serviceaccount:kube-system:replicaset-controller", "alice"};
        String[][] refs = {{"pods", null}, {"pods", "exec"}, {"nodes", "status"}, {"leases", null}, {"pods", "log"}};
        for (int i = 0; i < 60; i++) {
            String[] r = refs[i % refs.length];
            lines.add(event(users[i % users.length], "10.0.0." + (i % 3), i % 2 == 0 ? "get" : "update", r[0], r[1], i % 60));
        }
        // the same user and verb written with escapes, as some encoders do
        lines.add(event("alic\\u0065", "10.0.0.1", "g\\u0065t", "pods", "exec", 30));
        EnvelopeDecoder decoder = new EnvelopeDecoder(HtmlSink.projection(new Projection()));
        EventTally fromEvents = new EventTally();
        EventTally fromParts = new EventTally();
        for (int i = 0; i < lines.size(); i++) {
            byte[] b = (lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8);
            for (AuditEvent e : decoder.decodeLine(b, 0, b.length, "x.log", i + 1).events()) {
                fromEvents.event(e);
                // the parts as new Strings each time: counted by text, not by identity
                fromParts.levels.count(new String("Metadata"), new String("ResponseComplete"));
                fromParts.event(e.timeNanos(), new String(EventTally.user(e.root())), new String(EventTally.sourceIp(e.root())),
                        new String(e.root().string("verb")), new String(EventTally.resource(e.root())));
            }
        }
        assertEquals(actors(fromParts), actors(fromEvents));
        assertEquals(fromParts.levels.levels(), fromEvents.levels.levels());
        assertEquals(fromParts.levels.stages(), fromEvents.levels.stages());
        assertEquals(4 + 3, fromEvents.users.size() + fromEvents.ips.size());
        String alice = actors(fromEvents).get("user alice");
        assertEquals("16 1773478803000-1773478859000 {get=1, update=15} {leases=3, nodes/status=3, pods=3, pods/exec=4, pods/log=3}",
                alice, "the escaped event is alice's, a get of pods/exec");
        assertEquals(java.util.Arrays.toString(fromParts.events.on(fromParts.events.firstMillis(fromParts.events.shift()),
                fromParts.events.shift(), 64)), java.util.Arrays.toString(fromEvents.events.on(
                fromEvents.events.firstMillis(fromEvents.events.shift()), fromEvents.events.shift(), 64)));
    }

    @Test
    void actorsPastTheCapAreCountedAsLeftOut() {
        EventTally t = new EventTally();
        for (int i = 0; i < EventTally.MAX_ACTORS + 10; i++) {
            t.event(1_000_000L * i, "user-" + i, null, "get", "pods");
        }
        t.event(0, "user-" + (EventTally.MAX_ACTORS + 3), null, "get", "pods");
        t.event(0, "user-1", null, "get", "pods");
        assertEquals(EventTally.MAX_ACTORS, t.users.size());
        assertEquals(11, t.usersLeftOut);
        assertEquals(2, t.users.get("user-1").events);
    }
}
