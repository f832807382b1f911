package io.kaudit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import io.kaudit.event.Location;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20 point 8: exec, attach and port-forward alert once per request, whichever stages were logged. */
class OncePerRequestTest {
    @TempDir
    Path dir;

    /** The two stages of one exec request from the project's own sample (same auditID). */
    private static List<String> execStages() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("samples", "exec-into-pod.log"));
        String started = lines.get(1);
        String complete = lines.get(2);
        assertTrue(started.contains("\"stage\":\"ResponseStarted\"") && complete.contains("\"stage\":\"ResponseComplete\""));
        return List.of(started, complete);
    }

    private static long count(String out, String rule) {
        return out.lines().filter(l -> l.contains("\"rule\":\"" + rule + "\"")).count();
    }

    @Test
    void realCrowdsecExecLogWithResponseCompleteOnlyAlerts() {
        Path log = Shared.require("corpus/real/crowdsec-hub/k8s-audit-pod-exec-file.log");
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", log.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(1, count(o.out(), "Interactive Shell Exec Into Pod"), o.out());
        assertEquals(1, count(o.out(), "Exec or Attach Into Pod"), o.out());
    }

    @Test
    void eachStageAloneAndBothTogetherAlertOnce() throws Exception {
        List<String> stages = execStages();
        for (List<String> kept : List.of(List.of(stages.get(0)), List.of(stages.get(1)), stages)) {
            Path log = dir.resolve("exec.log");
            Files.write(log, kept);
            Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", log.toString());
            assertEquals(0, o.code(), o.err());
            assertEquals(1, count(o.out(), "Interactive Shell Exec Into Pod"), kept + "\n" + o.out());
            assertEquals(1, count(o.out(), "Exec or Attach Into Pod"), o.out());
            // the first stage in the input is the one reported
            assertTrue(o.out().contains("\"line\":1"), o.out());
        }
    }

    @Test
    void theWholeSampleAlertsOncePerExecRequest() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("samples", "exec-into-pod.log"));
        long requests = lines.stream().filter(l -> (l.contains("/exec?") || l.contains("/attach?")) && l.contains("\"stage\":\"ResponseComplete\""))
                .map(l -> l.replaceAll(".*\"auditID\":\"([^\"]+)\".*", "$1")).distinct().count();
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "samples/exec-into-pod.log");
        assertEquals(requests, count(o.out(), "Exec or Attach Into Pod"), o.out());
        assertTrue(requests >= 2);
    }

    /** Two requests (distinct auditIDs) still alert twice; an upstream-style rule without the tag alerts per event. */
    @Test
    void distinctRequestsAndUntaggedRulesAreNotMerged() throws Exception {
        List<String> stages = execStages();
        String other = stages.get(1).replaceFirst("\"auditID\":\"[^\"]+\"", "\"auditID\":\"another-request\"");
        Path log = dir.resolve("two.log");
        Files.write(log, List.of(stages.get(0), stages.get(1), other));
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", log.toString());
        assertEquals(2, count(o.out(), "Exec or Attach Into Pod"), o.out());

        Path rules = dir.resolve("plain.yaml");
        Files.writeString(rules, """
                - rule: Any Exec
                  desc: every exec event
                  condition: ka.target.subresource=exec
                  output: exec %ka.auditid
                  priority: NOTICE
                  source: k8s_audit
                """);
        o = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", rules.toString(), log.toString());
        assertEquals(3, count(o.out(), "Any Exec"), o.out());
    }

    @Test
    void theTagMarksTheRuleAndTheFilterIsBounded() throws Exception {
        RuleSet set = new RuleLoader().load("t.yaml", """
                - rule: Tagged
                  desc: d
                  condition: ka.verb=get
                  output: o
                  priority: NOTICE
                  source: k8s_audit
                  tags: [once_per_request]
                - rule: Plain
                  desc: d
                  condition: ka.verb=get
                  output: o
                  priority: NOTICE
                  source: k8s_audit
                """).compile();
        assertTrue(set.rules().get(0).oncePerRequest());
        assertFalse(set.rules().get(1).oncePerRequest());
        OncePerRequest f = new OncePerRequest(set.rules(), 3);
        for (int i = 0; i < 1000; i++) {
            assertTrue(f.admit(alert("Tagged", "id-" + i)));
            assertFalse(f.admit(alert("Tagged", "id-" + i)));
            assertTrue(f.admit(alert("Plain", "id-" + i)));
            assertTrue(f.size() <= 3);
        }
        assertTrue(f.admit(alert("Tagged", "")), "no auditID: never merged");
        assertTrue(f.admit(alert("Tagged", "")));
        assertTrue(f.admit(alert("Tagged", "id-0")), "forgotten once past the capacity");
    }

    private static Alert alert(String rule, String auditId) {
        return new Alert(0, rule, Priority.NOTICE, "k8s_audit", List.of(), "", "", Map.of(), "h",
                new Location("x", 1, -1), auditId, "");
    }

    @Test
    void replKeepsOneAlertPerRequest() throws Exception {
        Path log = dir.resolve("exec.log");
        Files.write(log, execStages());
        Kaudit.Outcome o = Kaudit.run("repl", "-c", "alerts", log.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(1, o.out().lines().filter(l -> l.contains("Exec or Attach Into Pod")).count(), o.out());
    }

    @Test
    void serveKeepsOneAlertPerRequestAcrossBatches() throws Exception {
        List<String> stages = execStages();
        Path out = dir.resolve("serve.jsonl");
        Path console = dir.resolve("serve.txt");
        List<String> cmd = new ArrayList<>(Kaudit.command(List.of(), "serve", "-f", "jsonl", "-o", out.toString(),
                "--listen", "127.0.0.1:0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            Pattern listening = Pattern.compile("listening on (https?://[^ ]+)");
            URI uri = null;
            for (long end = System.currentTimeMillis() + 30_000; uri == null && System.currentTimeMillis() < end; ) {
                Matcher m = listening.matcher(Files.exists(console) ? Files.readString(console) : "");
                if (m.find()) {
                    uri = URI.create(m.group(1));
                } else {
                    assertTrue(p.isAlive(), () -> "serve exited");
                    Thread.sleep(20);
                }
            }
            HttpClient client = HttpClient.newHttpClient();
            for (String body : stages) {   // the stages arrive in two batches, as the webhook backend sends them
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
        } finally {
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        String written = Files.readString(out);
        assertEquals(1, count(written, "Exec or Attach Into Pod"), written);
        assertEquals(1, count(written, "Interactive Shell Exec Into Pod"), written);
    }
}
