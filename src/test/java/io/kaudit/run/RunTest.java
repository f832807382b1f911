package io.kaudit.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.engine.RunStats;
import io.kaudit.engine.Selection;
import io.kaudit.event.Location;
import io.kaudit.report.Sink;
import io.kaudit.report.Tee;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run every front door hands its outcomes to: counting, the sinks' order, correlations and an end that happens once. */
class RunTest {
    private static final String RULES = """
            - rule: Secret Read
              desc: a secret was read
              condition: ka.verb=get and ka.target.resource=secrets
              output: secret %ka.target.name read by %ka.user.name
              priority: WARNING
              source: k8s_audit
            """;

    /** A sink that writes down what it was told, in order. */
    private static final class Recorder implements Sink {
        final List<String> calls = new ArrayList<>();

        @Override
        public void begin(List<Rule> rules) {
            calls.add("begin " + rules.size());
        }

        @Override
        public void alert(Alert a) {
            calls.add("alert " + a.rule() + " " + a.location());
        }

        @Override
        public void malformed(Location where, String reason) {
            calls.add("malformed " + where);
        }

        @Override
        public void finish(RunStats stats) {
            calls.add("finish " + stats.events + " " + stats.alerts() + " " + stats.malformed);
        }
    }

    private static String event(String time, String user) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"" + user + time
                + "\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/a/secrets/s\",\"verb\":\"get\","
                + "\"user\":{\"username\":\"" + user + "\"},\"objectRef\":{\"resource\":\"secrets\",\"namespace\":\"a\","
                + "\"name\":\"s\",\"apiVersion\":\"v1\"},\"responseStatus\":{\"code\":200},\"requestReceivedTimestamp\":\""
                + time + "\",\"stageTimestamp\":\"" + time + "\"}\n";
    }

    @Test
    void countsOutcomesAndTellsEverySinkTheSameInOrderThenFinishesOnce() throws Exception {
        Engine engine = new Engine(new RuleLoader().load("t.yaml", RULES).compile(), Selection.defaults());
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        int[] flushes = {0};
        Run run = new Run(engine, Tee.of(List.of(first, second)), engine.correlator(0, 10), () -> flushes[0]++);
        run.begin();
        LineEvaluator evaluator = run.evaluator(new RuleLoader().load("t.yaml", RULES).compile().projection());
        String text = event("2026-01-01T00:00:00Z", "alice") + "{not json\n" + event("2026-01-01T00:00:05Z", "bob");
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        long line = 0;
        while (pos < data.length) {
            line++;
            List<Alert> alerts = new ArrayList<>();
            LineEvaluator.Outcome o = evaluator.line(data, pos, data.length, "x.log", line, alerts, null);
            run.read(1, o.next() - pos, o.events());
            if (o.problem() != null) {
                run.malformed(new Location("x.log", line, -1), o.problem());
            }
            assertEquals(alerts.size(), run.alerts(alerts));
            pos = o.next();
        }
        RunStats stats = run.finish();
        run.finish();   // a second stop changes nothing
        assertEquals(List.of("begin 1", "alert Secret Read x.log:1", "malformed x.log:2", "alert Secret Read x.log:3",
                "finish 2 2 1"), first.calls);
        assertEquals(first.calls, second.calls);
        assertEquals(3, stats.lines);
        assertEquals(data.length, stats.bytes);
        assertEquals(new Location("x.log", 2, -1), stats.firstMalformed);
        // the evaluator's event times were taken in when the run ended
        assertEquals(5_000_000_000L, stats.latestNanos - stats.earliestNanos);
        assertTrue(stats.endNanos > 0);
        assertEquals(2, flushes[0]);
    }

    @Test
    void anInputReadToItsEndWithoutEventsAndAStopAreInTheStats() throws Exception {
        Engine engine = new Engine(new RuleLoader().load("t.yaml", RULES).compile(), Selection.defaults());
        Run run = new Run(engine, a -> { }, engine.correlator(0, 10), () -> { });
        run.noEvents("notes.txt");
        run.incomplete(new Location("cut.gz", 7, -1), "gzip cut short", false);
        run.stopped();
        RunStats stats = run.end();
        assertEquals(List.of("notes.txt"), stats.emptyInputs);
        assertEquals(1, stats.incomplete);
        assertEquals(0, stats.unreadable);
        assertTrue(stats.summary().startsWith("stopped before the end of the input"), stats.summary());
    }

    /** The alerts of a run over a log, one line at a time, with the correlations' state saved and restored after line {@code cut} (0: never). */
    private static List<String> correlate(List<String> lines, int cut) throws Exception {
        io.kaudit.rule.RuleSet set = new RuleLoader().load(java.nio.file.Path.of("rules/kaudit_correlations.yml")).compile();
        Engine engine = new Engine(set, Selection.defaults());
        List<String> got = new ArrayList<>();
        long slack = 60_000_000_000L;   // a minute: the events of the last minute wait in the state
        Run run = new Run(engine, a -> got.add(a.rule() + " " + a.location()), engine.correlator(slack, 100), () -> { });
        LineEvaluator evaluator = run.evaluator(set.projection());
        for (int n = 0; n < lines.size(); n++) {
            if (n == cut && cut > 0) {
                String saved = io.kaudit.event.JsonWriter.compact(run.suspendCorrelations());
                run.end();
                run = new Run(engine, a -> got.add(a.rule() + " " + a.location()), engine.correlator(slack, 100), () -> { });
                run.resumeCorrelations((io.kaudit.event.JsonObject) io.kaudit.event.JsonReader.parse(saved,
                        io.kaudit.event.Projection.ALL));
                evaluator = run.evaluator(set.projection());
            }
            byte[] data = (lines.get(n) + "\n").getBytes(StandardCharsets.UTF_8);
            List<Alert> alerts = new ArrayList<>();
            evaluator.line(data, 0, data.length, "x.log", n + 1, alerts, null);
            run.alerts(alerts);
        }
        run.end();
        return got;
    }

    @Test
    void savedAndRestoredCorrelationStateGivesTheAlertsOfOneRun() throws Exception {
        List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("samples", "corr-secrets-many-namespaces.log"));
        List<String> whole = correlate(lines, 0);
        assertEquals(List.of("Secrets Read Across Many Namespaces x.log:5"), whole);
        for (int cut = 1; cut < lines.size(); cut++) {
            assertEquals(whole, correlate(lines, cut), "cut after line " + cut);
        }
    }
}
