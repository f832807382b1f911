package io.kaudit.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.engine.Selection;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An HTTP body and a Kafka record decode invalid UTF-8 as U+FFFD, one line or pretty-printed alike. */
class InvalidUtf8Test {
    private static final String EVENT = "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a1\","
            + "\"verb\":\"get\",\"stage\":\"ResponseComplete\",\"user\":{\"username\":\"u\"},\"userAgent\":\"curl/~\",\"stageTimestamp\":\"2026-03-14T09:00:00Z\"}";

    /** The event as one line, pretty-printed, and as a pretty-printed EventList. */
    private static List<byte[]> shapes() {
        String pretty = EVENT.replace(",", ",\n  ").replace("{\"kind", "{\n  \"kind").replace("}", "\n}") + "\n";
        return List.of(io.kaudit.Hostile.withBadByte(EVENT + "\n"), io.kaudit.Hostile.withBadByte(pretty),
                io.kaudit.Hostile.withBadByte("{\n  \"kind\": \"EventList\",\n  \"items\": [\n" + pretty + "  ]\n}\n"));
    }

    /** The alerts' outputs without the time and priority in front. */
    private static List<String> outputs(List<Alert> alerts) {
        return alerts.stream().map(a -> a.output().replaceFirst("^\\S+: Warning ", "")).toList();
    }

    @Test
    void httpBodiesAndKafkaRecordsAlertWithTheReplacementCharacter() throws Exception {
        RuleSet rules = new RuleLoader().load("agent.yaml", io.kaudit.Hostile.AGENT_RULE).compile();
        Engine engine = new Engine(rules, Selection.defaults());
        BatchEvaluator batches = new BatchEvaluator(new Run(engine, a -> { }, engine.correlator(0, 10), () -> { }), rules.projection());
        RecordEvaluator records = new RecordEvaluator(new LineEvaluator(engine, rules.projection()), null);
        for (byte[] body : shapes()) {
            String shape = new String(body, StandardCharsets.ISO_8859_1);
            BatchEvaluator.Batch batch = batches.evaluate(body, body.length, "http");
            assertNull(batch.problem(), shape);
            assertEquals(1, batch.events(), shape);
            assertEquals(List.of("agent=curl/\uFFFD"), outputs(batch.alerts()), shape);

            List<Alert> alerts = new ArrayList<>();
            RecordEvaluator.Outcome o = records.evaluate(body, "audit", 0, 7, alerts);
            assertNull(o.problem(), shape);
            assertEquals(1, o.events(), shape);
            assertEquals(List.of("agent=curl/\uFFFD"), outputs(alerts), shape);
        }
    }
}
