package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Projection;
import io.kaudit.live.KafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kaudit consume} against a real Kafka broker (KRaft, a child JVM started once for the
 * class): alerts equal {@code kaudit scan}'s over the same events, each once, across a consumer
 * group's rebalances; malformed records skipped and dead-lettered; every codec and collector shape.
 */
class ConsumeCommandTest {
    private static KafkaBroker broker;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(Path.of("target"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Every line of the project's samples, in file order: the events all tests produce. */
    /** consume -f html: the same report aggregates as scan's over the same events (actors, levels, the sentence). */
    @Test
    void anHtmlReportOfAConsumerGroupAggregatesAsScansDoes() throws Exception {
        List<byte[]> events = sampleEvents();
        Path log = tmp.resolve("html-events.log");
        try (var out = Files.newOutputStream(log)) {
            for (byte[] e : events) {
                out.write(e);
                out.write('\n');
            }
        }
        Path fromScan = tmp.resolve("scan.html");
        assertEquals(0, Kaudit.run("scan", "-q", "-f", "html", "-o", fromScan.toString(), log.toString()).code());
        String topic = "audit-html";
        broker.createTopic(topic, 1);
        broker.produce(topic, events, Map.of());
        Path fromConsume = tmp.resolve("consume.html");
        Kaudit.Outcome o = Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", topic, "--group", "g-html",
                "--exit-at-end", "-f", "html", "-o", fromConsume.toString());
        assertEquals(0, o.code(), o.err());
        // and at its stop it says what the log hid from the rules, as scan does (the samples are mostly Metadata)
        assertTrue(o.err().contains("what this log lets rules see: "), o.err());
        JsonObject scan = io.kaudit.ReportFile.data(fromScan);
        JsonObject consume = io.kaudit.ReportFile.data(fromConsume);
        assertTrue(scan.get("actors").toString().contains("10.0."), "the scan's report has source IPs: " + scan.get("actors"));
        for (String k : List.of("actors", "coverage", "alerts_total")) {
            assertEquals(io.kaudit.event.JsonWriter.compact(scan.get(k)), io.kaudit.event.JsonWriter.compact(consume.get(k)), k);
        }
    }

    static List<byte[]> sampleEvents() throws IOException {
        List<byte[]> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("samples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log") && !p.getFileName().toString().startsWith("corr-")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        events.add(line.getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return events;
    }

    /** What scan reports over {@code events} (one per line): rule, time and output of each alert, counted. */
    Map<String, Integer> scanAlerts(List<byte[]> events) throws IOException {
        Path log = tmp.resolve("events-" + System.nanoTime() + ".log");
        try (var out = Files.newOutputStream(log)) {
            for (byte[] e : events) {
                out.write(e);
                out.write('\n');
            }
        }
        Kaudit.Outcome scan = Kaudit.run("scan", "-f", "jsonl", log.toString());
        assertEquals(0, scan.code(), scan.err());
        return keys(scan.lines());
    }

    /** Alert identities (rule, event time, output) of JSON Lines alerts, with how often each occurs. */
    static Map<String, Integer> keys(List<String> jsonl) throws IOException {
        Map<String, Integer> keys = new TreeMap<>();
        for (String line : jsonl) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject a = (JsonObject) JsonReader.parse(line, Projection.ALL);
            JsonObject c = a.object("correlation");
            // a correlation alert's output names its events' places (path:line in scan, topic/partition@offset
            // here): it is told by its group, window and count instead
            String what = c == null ? a.string("output") : "correlation " + c.get("group_by") + " "
                    + c.string("window_start") + " " + c.string("window_end") + " " + c.get("count");
            keys.merge(a.string("rule") + " | " + a.string("time") + " | " + what, 1, Integer::sum);
        }
        return keys;
    }

    /**
     * Without correlation alerts: correlation state is per member and lost with a member (README, consume),
     * so across members and takeovers only the per-event alerts are exact.
     */
    static Map<String, Integer> perEvent(Map<String, Integer> keys) {
        Map<String, Integer> out = new TreeMap<>(keys);
        out.keySet().removeIf(k -> k.contains(" | correlation {"));
        return out;
    }

    static Map<String, Integer> perRule(Map<String, Integer> keys) {
        Map<String, Integer> rules = new TreeMap<>();
        keys.forEach((k, n) -> rules.merge(k.substring(0, k.indexOf(" | ")), n, Integer::sum));
        return rules;
    }

    static List<String> lines(Path... files) throws IOException {
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            if (Files.exists(f)) {
                all.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return all;
    }

    /** Client settings for tests: a member that dies is noticed within seconds, not the default 45. */
    Path clientConfig(String... extra) throws IOException {
        Path p = tmp.resolve("client-" + System.nanoTime() + ".properties");
        List<String> lines = new ArrayList<>(List.of("session.timeout.ms=10000", "heartbeat.interval.ms=1000",
                "producer.transaction.timeout.ms=5000"));
        lines.addAll(List.of(extra));
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    /** Reads every record of {@code topic} (read_committed) up to its end as it is now. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrap());
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Test
    void threeMembersOfOneGroupGiveScansAlertsEachOnce() throws Exception {
        List<byte[]> events = new ArrayList<>();
        for (int copy = 0; copy < 12; copy++) {
            events.addAll(sampleEvents());
        }
        Map<String, Integer> expected = scanAlerts(events);
        assertTrue(expected.size() > 30, "the samples raise many different alerts");
        String topic = "audit-group";
        broker.createTopic(topic, 6);
        broker.produce(topic, events, Map.of());
        Path config = clientConfig("max.poll.records=50");
        ExecutorService members = Executors.newFixedThreadPool(3);
        List<Future<Kaudit.Outcome>> runs = new ArrayList<>();
        Path[] outs = new Path[3];
        for (int m = 0; m < 3; m++) {
            outs[m] = tmp.resolve("member-" + m + ".jsonl");
            String out = outs[m].toString();
            runs.add(members.submit(() -> Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", topic,
                    "--group", "g-three", "--consumer-config", config.toString(), "--exit-at-end", "--threads", "1",
                    "-f", "jsonl", "-o", out)));
            Thread.sleep(300);
        }
        StringBuilder errs = new StringBuilder();
        for (Future<Kaudit.Outcome> f : runs) {
            Kaudit.Outcome o = f.get(180, TimeUnit.SECONDS);
            errs.append(o.err());
            assertEquals(0, o.code(), o.err());
        }
        members.shutdown();
        Map<String, Integer> got = perEvent(keys(lines(outs)));
        expected = perEvent(expected);
        assertEquals(perRule(expected), perRule(got), errs.toString());
        assertEquals(expected, got, "each alert exactly once across the group's rebalances");
    }

    /** A record as Fluent Bit's kafka output writes it without a parser: the line under "log", the time as a number. */
    static byte[] fluentBitLog(byte[] event) {
        String line = new String(event, StandardCharsets.UTF_8);
        return ("{\"@timestamp\":1773478801.123,\"log\":\"" + line.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A record as Fluent Bit writes it with Parser json: the event's keys at top level, and a date. */
    static byte[] fluentBitParsed(byte[] event) {
        String line = new String(event, StandardCharsets.UTF_8).strip();
        return ("{\"date\":1773478801.123," + line.substring(1)).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] prettyPrinted(byte[] event) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(event).toPrettyString()
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] eventList(List<byte[]> events) {
        StringBuilder sb = new StringBuilder("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[");
        for (int i = 0; i < events.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(new String(events.get(i), StandardCharsets.UTF_8).strip());
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyCodecAndCollectorShapeGivesTheSameAlerts() throws Exception {
        List<byte[]> events = sampleEvents();
        List<byte[]> expectedEvents = new ArrayList<>();
        List<String> codecs = List.of("gzip", "snappy", "lz4", "zstd");
        for (String codec : codecs) {
            List<byte[]> records = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                byte[] e = events.get(i);
                records.add(switch (i % 4) {
                    case 0 -> e;
                    case 1 -> fluentBitLog(e);
                    case 2 -> fluentBitParsed(e);
                    default -> prettyPrinted(e);
                });
            }
            records.add(eventList(events.subList(0, 40)));
            expectedEvents.addAll(events);
            expectedEvents.addAll(events.subList(0, 40));
            broker.createTopic("codec-" + codec, 2);
            broker.produce("codec-" + codec, records, Map.of("compression.type", codec));
        }
        Path out = tmp.resolve("codecs.jsonl");
        Kaudit.Outcome o = Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", "codec-.*", "--group",
                "g-codecs", "--exit-at-end", "--consumer-config", clientConfig("group.protocol=classic").toString(),
                "-f", "jsonl", "-o", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("consuming topics matching codec-.*"), o.err());
        assertTrue(!o.err().contains("malformed"), o.err());
        List<String> alerts = lines(out);
        assertEquals(scanAlerts(expectedEvents), keys(alerts), o.err());
        boolean sawIndex = false;
        for (String line : alerts) {
            JsonObject loc = ((JsonObject) JsonReader.parse(line, Projection.ALL)).object("location");
            assertTrue(loc.string("topic").startsWith("codec-"), line);
            assertTrue(loc.has("partition") && loc.has("offset") && !loc.has("path"), line);
            sawIndex |= loc.has("index");
        }
        assertTrue(sawIndex, "alerts of the EventList record name the item");
    }

    /**
     * Correlations in consume: the bundled ones fire as in scan (same group, window and count), their
     * events named by topic/partition@offset; feeders stay quiet; an alert whose window closes in a poll
     * goes out with that poll's alerts, before its offsets commit (with --correlation-slack 0s it comes
     * before the alerts of the records after it), and windows still open at the stop are judged.
     */
    @Test
    void correlationsFireInConsumeAsInScan() throws Exception {
        List<byte[]> events = new ArrayList<>();
        for (String f : List.of("corr-forbidden-burst.log", "exec-into-pod.log", "corr-exec-many-namespaces.log",
                "corr-exec-many-namespaces-benign.log")) {
            for (String line : Files.readAllLines(Path.of("samples", f), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    events.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        Map<String, Integer> expected = scanAlerts(events);
        assertTrue(expected.keySet().stream().anyMatch(k -> k.startsWith("Burst Of Forbidden Requests By One Identity |")),
                expected.toString());
        assertTrue(expected.keySet().stream().anyMatch(k -> k.startsWith("Exec Into Pods Of Many Namespaces |")),
                expected.toString());
        String topic = "audit-corr";
        broker.createTopic(topic, 1);
        broker.produce(topic, events, Map.of());
        Path out = tmp.resolve("corr.jsonl");
        Kaudit.Outcome o = Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", topic, "--group", "g-corr",
                "--exit-at-end", "--correlation-slack", "0s", "--consumer-config", clientConfig("max.poll.records=5").toString(),
                "-f", "jsonl", "-o", out.toString());
        assertEquals(0, o.code(), o.err());
        List<String> alerts = lines(out);
        assertEquals(expected, keys(alerts), o.err());
        int burst = -1;
        int execAfter = -1;
        for (int i = 0; i < alerts.size(); i++) {
            JsonObject a = (JsonObject) JsonReader.parse(alerts.get(i), Projection.ALL);
            if (a.string("rule").equals("Burst Of Forbidden Requests By One Identity")) {
                burst = i;
                JsonObject first = (JsonObject) ((io.kaudit.event.JsonArray) a.object("correlation").get("events")).get(0);
                assertEquals(topic, first.string("topic"), alerts.get(i));
                assertTrue(first.has("offset") && !first.has("path"), alerts.get(i));
            } else if (a.string("rule").equals("Exec or Attach Into Pod") && execAfter < 0) {
                execAfter = i;
            }
        }
        assertTrue(burst >= 0 && execAfter > burst, "the burst goes out in the poll that completes it: " + alerts);
        // its offsets are committed: the group reads nothing again
        Path again = tmp.resolve("corr-again.jsonl");
        Kaudit.Outcome o2 = Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", topic, "--group", "g-corr",
                "--exit-at-end", "-f", "jsonl", "-o", again.toString());
        assertEquals(0, o2.code(), o2.err());
        assertEquals(List.of(), lines(again).stream().filter(l -> !l.isBlank()).toList());
    }

    @Test
    void malformedRecordsAreCountedSkippedAndDeadLettered() throws Exception {
        List<byte[]> good = sampleEvents();
        List<byte[]> bad = new ArrayList<>(List.of("this is not JSON".getBytes(StandardCharsets.UTF_8),
                "{\"foo\": 1}".getBytes(StandardCharsets.UTF_8),
                "{\"kind\":\"Event\",\"auditID\":".getBytes(StandardCharsets.UTF_8),
                new byte[0], new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}));
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            records.add(good.get(i));
            if (i % 50 == 7) {
                records.add(bad.get((i / 50) % bad.size()));
            }
        }
        long badCount = records.size() - good.size();
        String topic = "audit-bad";
        broker.createTopic(topic, 3);
        broker.createTopic("audit-dead", 1);
        broker.produce(topic, records, Map.of());
        Path out = tmp.resolve("bad.jsonl");
        Kaudit.Outcome o = Kaudit.run("consume", "--bootstrap", broker.bootstrap(), "--topic", topic, "--group", "g-bad",
                "--dead-letter-topic", "audit-dead", "--exit-at-end", "-f", "jsonl", "-o", out.toString());
        assertEquals(0, o.code(), o.err());
        // once-per-request rules alert on the first stage read, which across three partitions may be the other
        // one: counted per rule for them, every other alert exactly
        java.util.function.Predicate<String> perRequest = k -> k.startsWith("Exec or Attach Into Pod |")
                || k.startsWith("Interactive Shell Exec Into Pod |") || k.startsWith("Port Forward to Pod |");
        Map<String, Integer> want = scanAlerts(good);
        Map<String, Integer> got = keys(lines(out));
        assertEquals(perRule(want), perRule(got), o.err());
        want.keySet().removeIf(perRequest);
        got.keySet().removeIf(perRequest);
        assertEquals(want, got, "every good record's alerts: " + o.err());
        assertTrue(o.err().contains(String.format("%,d malformed records skipped (first at audit-bad/", badCount)), o.err());
        assertTrue(o.err().matches("(?s).*skipped audit-bad/\\d+@\\d+: .*"), o.err());
        List<ConsumerRecord<byte[], byte[]>> dead = readAll("audit-dead");
        assertEquals(badCount, dead.size());
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            assertEquals(topic, new String(d.headers().lastHeader("kaudit.topic").value(), StandardCharsets.UTF_8));
            assertTrue(d.headers().lastHeader("kaudit.offset") != null && d.headers().lastHeader("kaudit.reason") != null);
            assertTrue(bad.stream().anyMatch(b -> java.util.Arrays.equals(b, d.value())), "the record as it was");
        }
    }

    /** A {@code kaudit consume} member as a real process, its stdout alerts and stderr in files. */
    private record Member(Process process, Path out, Path err) {
        String errText() throws IOException {
            return Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
        }
    }

    private Member member(String name, String... args) throws IOException {
        Path out = tmp.resolve(name + ".jsonl");
        Path err = tmp.resolve(name + ".err");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.kaudit.cli.Main", "consume"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-f", "jsonl", "-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(err.toFile()).start();
        return new Member(p, out, err);
    }

    private static void await(String what, long seconds, java.util.concurrent.Callable<Boolean> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    static String get(String url) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void killedMemberIsTakenOverAndTheAlertsTopicHoldsEachAlertOnce() throws Exception {
        List<byte[]> events = new ArrayList<>();
        for (int copy = 0; copy < 8; copy++) {
            events.addAll(sampleEvents());
        }
        Map<String, Integer> expected = perEvent(scanAlerts(events));
        int expectedCount = expected.values().stream().mapToInt(Integer::intValue).sum();
        String topic = "audit-kill";
        broker.createTopic(topic, 6);
        broker.createTopic("alerts-kill", 3);
        Path config = clientConfig("max.poll.records=20");
        Member[] members = new Member[3];
        for (int m = 0; m < 3; m++) {
            members[m] = member("kill-" + m, "--bootstrap", broker.bootstrap(), "--topic", topic, "--group", "g-kill",
                    "--alerts-topic", "alerts-kill", "--exactly-once", "--consumer-config", config.toString(),
                    "--threads", "1", "--progress", "0", "--metrics", "127.0.0.1:0");
        }
        try {
            await("three members with partitions", 180, () -> {
                for (Member m : members) {
                    if (!m.errText().contains("partitions assigned")) {
                        return false;
                    }
                }
                return true;
            });
            Member victim = members[1];
            try (var producer = broker.producer(Map.of())) {
                int chunk = events.size() / 20;
                for (int i = 0; i < events.size(); i++) {
                    // keyed by auditID: every chunk spreads over all partitions (unkeyed, the sticky partitioner
                    // may put the first half in none of the victim's), and a request's stages share one
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                            io.kaudit.live.KafkaBroker.auditIdKey(events.get(i)), events.get(i)));
                    if (i % chunk == chunk - 1) {
                        producer.flush();
                        Thread.sleep(250);
                    }
                    if (i == events.size() / 2) {
                        producer.flush();
                        // mid-stream: once the victim has delivered alerts of its own, kill -9 it
                        await("the victim's first alerts", 120, () -> Files.exists(victim.out()) && Files.size(victim.out()) > 0);
                        victim.process().destroyForcibly();
                        victim.process().waitFor(30, TimeUnit.SECONDS);
                    }
                }
                producer.flush();
            }
            await("the alerts topic to hold every alert", 240, () -> readAll("alerts-kill").size() >= expectedCount);
            List<String> topicAlerts = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : readAll("alerts-kill")) {
                topicAlerts.add(new String(r.value(), StandardCharsets.UTF_8));
            }
            // once-per-request rules remember requests per member: the two stages of an exec read by two
            // members (two partitions, or a takeover) alert once in each; every other alert exactly once
            java.util.function.Predicate<String> perRequest = k -> k.startsWith("Exec or Attach Into Pod |")
                    || k.startsWith("Interactive Shell Exec Into Pod |") || k.startsWith("Port Forward to Pod |");
            Map<String, Integer> onTopic = new java.util.TreeMap<>(perEvent(keys(topicAlerts)));
            Map<String, Integer> want = new java.util.TreeMap<>(expected);
            onTopic.keySet().removeIf(perRequest);
            want.keySet().removeIf(perRequest);
            assertEquals(want, onTopic, "read_committed, the alerts topic holds each alert exactly once");
            Map<String, Integer> files = keys(lines(members[0].out(), members[1].out(), members[2].out()));
            for (Map.Entry<String, Integer> e : expected.entrySet()) {
                assertTrue(files.getOrDefault(e.getKey(), 0) >= e.getValue(), "at least once on stdout: " + e.getKey());
            }
            String err = members[0].errText();
            java.util.regex.Matcher url = java.util.regex.Pattern.compile("metrics on (http://\\S+)").matcher(err);
            assertTrue(url.find(), err);
            String metrics = get(url.group(1));
            assertTrue(metrics.contains("kaudit_partition_lag{topic=\"audit-kill\",partition=\""), metrics);
            assertTrue(metrics.matches("(?s).*\nkaudit_records_total [1-9].*"), metrics);
        } finally {
            for (Member m : members) {
                m.process().destroy();   // SIGTERM: survivors deliver, commit and leave the group
            }
            for (Member m : members) {
                if (!m.process().waitFor(60, TimeUnit.SECONDS)) {
                    m.process().destroyForcibly();
                }
            }
        }
        assertEquals(0, members[0].process().exitValue(), members[0].errText());
        assertEquals(0, members[2].process().exitValue(), members[2].errText());
        assertTrue(members[0].errText().contains("stopped; "), members[0].errText());
    }
}
