package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaudit.Kaudit;
import io.kaudit.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The bundled rules on real clusters' logs (../shared/corpus/real): signal, not noise. No rule
 * raises more than 50 alerts per 10,000 events (for logs under 10,000 events: more than 50) unless
 * its events are attack-like, and the logs of ordinary clusters raise nothing at Error or above.
 */
class RealCorpusNoiseTest {
    private static final double PER_10K = 50;

    /** Logs that are collections of attack fixtures, where any number of alerts is expected. */
    private static final Set<String> ATTACK_FIXTURES = Set.of("crowdsec-hub", "panther-analysis-fixtures");

    /**
     * Rules allowed over the bound on one log, and why their events are attack-like: audit2rbac's
     * demo log is a session of an admin impersonating other users, every request of it impersonated.
     */
    private static final Map<String, Set<String>> ATTACK_LIKE = Map.of(
            "liggitt-audit2rbac", Set.of("Impersonated Request"));

    @Test
    void noRuleFloodsARealClustersLog() throws Exception {
        Path real = Shared.require("corpus/real");
        List<String> problems = new ArrayList<>();
        int logs = 0;
        try (Stream<Path> s = Files.list(real)) {
            for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "json", dir.toString());
                assertTrue(o.code() == 0 || o.code() == 2, o.err());
                if (o.out().isBlank()) {
                    continue;   // nothing in it is an audit event (scan says so with exit 2)
                }
                JsonNode doc = new ObjectMapper().readTree(o.out());
                long events = doc.path("stats").path("events").asLong();
                if (events == 0) {
                    continue;
                }
                logs++;
                double bound = PER_10K * Math.max(events, 10_000) / 10_000;
                for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("stats").path("alerts_by_rule").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    boolean allowed = ATTACK_FIXTURES.contains(name)
                            || ATTACK_LIKE.getOrDefault(name, Set.of()).contains(e.getKey());
                    if (e.getValue().asLong() > bound && !allowed) {
                        problems.add(name + ": " + e.getKey() + " raised " + e.getValue().asLong() + " alerts in " + events
                                + " events (bound " + (long) bound + ")");
                    }
                }
                if (!ATTACK_FIXTURES.contains(name)) {
                    for (JsonNode a : doc.path("alerts")) {
                        String p = a.path("priority").asText();
                        if (Set.of("Emergency", "Alert", "Critical", "Error").contains(p)) {
                            problems.add(name + ": " + p + " " + a.path("rule").asText() + " on an ordinary cluster: "
                                    + a.path("output").asText());
                        }
                    }
                }
            }
        }
        assertTrue(logs >= 5, "real logs scanned: " + logs);
        assertEquals(List.of(), problems);
    }

    /** The activity trail is still there for whoever asks: --tag activity turns it on. */
    @Test
    void activityTrailIsOffByDefaultAndOnWithItsTag() throws Exception {
        Path log = Shared.require("corpus/real/liggitt-audit2rbac");
        JsonNode quiet = new ObjectMapper().readTree(Kaudit.run("scan", "-q", "-f", "json", log.toString()).out());
        JsonNode loud = new ObjectMapper().readTree(Kaudit.run("scan", "-q", "-f", "json", "--tag", "activity",
                log.toString()).out());
        assertTrue(quiet.path("stats").path("alerts_by_rule").path("Tracked Object Created").isMissingNode());
        assertTrue(loud.path("stats").path("alerts_by_rule").path("Tracked Object Created").asLong() > 10, loud.path("stats").toString());
    }
}
