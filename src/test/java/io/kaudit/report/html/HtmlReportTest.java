package io.kaudit.report.html;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Chromium;
import io.kaudit.Hostile;
import io.kaudit.Kaudit;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scan -f html}: the report opened in a real headless Chromium. */
class HtmlReportTest {
    static Chromium browser;

    @BeforeAll
    static void start() throws Exception {
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    private static Path report(Path dir, String... args) {
        Path out = dir.resolve("report.html");
        String[] all = new String[args.length + 4];
        all[0] = "scan";
        all[1] = "-f";
        all[2] = "html";
        all[3] = "-o" + out;
        System.arraycopy(args, 0, all, 4, args.length);
        Kaudit.Outcome o = Kaudit.run(all);
        assertTrue(o.code() == 0, o.err());
        return out;
    }

    private static JsonObject jsonStats(String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "scan";
        all[1] = "-f";
        all[2] = "json";
        System.arraycopy(args, 0, all, 3, args.length);
        Kaudit.Outcome o = Kaudit.run(all);
        return ((JsonObject) JsonReader.parse(o.out(), Projection.ALL)).object("stats");
    }

    private void open(Path page) throws Exception {
        browser.errors.clear();
        browser.requests.clear();
        browser.open(page.toUri().toString());
        assertTrue(browser.await("document.querySelectorAll('#alerts tbody tr').length > 0", 10_000), "alerts table rendered");
    }

    private static long stat(String key) throws Exception {
        return browser.number("Number(document.querySelector('[data-stat=\"" + key + "\"]').dataset.value)");
    }

    @Test
    void overviewNumbersEqualJsonStatsWithNoErrorAndNoRequest(@TempDir Path dir) throws Exception {
        Path page = report(dir, Kaudit.PER_EVENT_SAMPLES);
        open(page);
        JsonObject stats = jsonStats(Kaudit.PER_EVENT_SAMPLES);
        assertEquals(Long.parseLong(stats.get("events").asText()), stat("events"));
        assertEquals(Long.parseLong(stats.get("alerts").asText()), stat("alerts"));
        assertEquals(Long.parseLong(stats.get("malformed").asText()), stat("malformed"));
        assertEquals(10, stat("inputs"));
        // the text shown, not only the attribute
        assertEquals(String.format("%,d", Long.parseLong(stats.get("events").asText())),
                browser.text("document.querySelector('[data-stat=events]').textContent"));
        JsonObject byPriority = stats.object("alerts_by_priority");
        for (int i = 0; i < byPriority.size(); i++) {
            assertEquals(Long.parseLong(byPriority.valueAt(i).asText()), browser.number(
                    "Number(document.querySelector('[data-card=alerts] [data-priority=\"" + byPriority.keyAt(i) + "\"]').dataset.value)"),
                    byPriority.keyAt(i));
        }
        JsonObject byRule = stats.object("alerts_by_rule");
        for (int i = 0; i < byRule.size(); i++) {
            String rule = byRule.keyAt(i).replace("\\", "\\\\").replace("'", "\\'");
            assertEquals(Long.parseLong(byRule.valueAt(i).asText()), browser.number(
                    "Number([...document.querySelectorAll('#rules tr[data-rule]')].find(r => r.dataset.rule === '" + rule
                            + "').querySelector('[data-count]').dataset.count)"), byRule.keyAt(i));
        }
        assertEquals(List.of(), browser.errors);
        assertEquals(List.of(page.toUri().toString()), browser.requests, "no request but the page itself");
        assertFalse(Files.readString(page).contains("http://") && Files.readString(page).contains("<script src"));
    }

    @Test
    void clickingAnActorNarrowsTheAlerts(@TempDir Path dir) throws Exception {
        open(report(dir, Kaudit.PER_EVENT_SAMPLES));
        long all = browser.number("document.querySelectorAll('#alerts tr[data-alert]').length");
        browser.eval("document.querySelector('#actors tr[data-kind=user]').click()");
        String actor = browser.text("document.querySelector('#actors tr.selected').dataset.actor");
        long alertsOfActor = browser.number("Number(document.querySelector('#actors tr.selected [data-alerts]').dataset.alerts)");
        List<String> users = browser.strings("[...document.querySelectorAll('#alerts tr[data-alert]')].map(r => r.children[3].textContent)");
        assertTrue(users.size() < all, users.size() + " of " + all);
        assertEquals(alertsOfActor, users.size());
        assertTrue(users.stream().allMatch(actor::equals), actor + " " + users);
        assertTrue(browser.await("document.querySelector('[data-filter=actor]') !== null", 2000), "the filter shows");
        // a source IP filters on the IP column
        browser.eval("document.querySelector('[data-filter=actor]').click()");
        browser.eval("document.querySelector('#actors tr[data-kind=ip]').click()");
        String ip = browser.text("document.querySelector('#actors tr.selected').dataset.actor");
        List<String> ips = browser.strings("[...document.querySelectorAll('#alerts tr[data-alert]')].map(r => r.children[4].textContent)");
        assertFalse(ips.isEmpty());
        assertTrue(ips.stream().allMatch(ip::equals), ip + " " + ips);
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void brushingTheTimelineFiltersTheTablesBelow(@TempDir Path dir) throws Exception {
        open(report(dir, Kaudit.PER_EVENT_SAMPLES));
        long all = browser.number("document.querySelectorAll('#alerts tr[data-alert]').length");
        JsonObject box = (JsonObject) browser.value("(r => ({x: r.left, y: r.top, w: r.width, h: r.height}))"
                + "(document.querySelector('#timeline svg').getBoundingClientRect())");
        double x = Double.parseDouble(box.get("x").asText());
        double w = Double.parseDouble(box.get("w").asText());
        double y = Double.parseDouble(box.get("y").asText()) + 100;
        browser.eval("window.scrollTo(0, 0)");
        browser.drag(x + 50, x + 50 + (w - 100) * 0.3, y);
        assertTrue(browser.await("document.querySelector('[data-filter=range]') !== null", 2000), "a time range is selected");
        long inRange = browser.number("document.querySelectorAll('#alerts tr[data-alert]').length");
        assertTrue(inRange < all, inRange + " of " + all);
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void untrustedStringsRenderAsText(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("hostile.log");
        Files.writeString(log, Hostile.event() + "\n", StandardCharsets.UTF_8);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, Hostile.RULE, StandardCharsets.UTF_8);
        Path page = report(dir, "-r", rules.toString(), log.toString());
        String html = Files.readString(page);
        assertFalse(html.contains("<img"), "no markup from the event in the file");
        assertFalse(html.contains("</script><"), "no script end from the event");
        open(page);
        browser.eval("document.querySelector('#alerts tr[data-alert]').click()");
        assertTrue(browser.await("document.querySelector('#alerts tr[data-detail] pre') !== null", 2000));
        Hostile.assertRenderedAsText(browser);
    }

    /**
     * Issue 15 point 4: the overview says what the log let the rules see, the sentence scan prints on
     * stderr (bodies and stages); the level names in it come from the events, so it is text, not markup.
     */
    @Test
    void theOverviewSaysWhatTheLogLetRulesSee(@TempDir Path dir) throws Exception {
        String level = "Meta<img src=x onerror=window.__xss=5>";
        StringBuilder log = new StringBuilder();
        for (String sample : List.of("exec-into-pod.log", "privileged-pod.log", "credential-access.log")) {
            for (String line : Files.readAllLines(Path.of("samples", sample))) {
                log.append(line.replaceAll("\"level\":\"[A-Za-z]*\"", "\"level\":" + io.kaudit.event.JsonWriter.quote(level))
                        .replace("\"stage\":\"ResponseStarted\"", "\"stage\":\"ResponseComplete\"")).append('\n');
            }
        }
        Path file = dir.resolve("metadata-only.log");
        Files.writeString(file, log, StandardCharsets.UTF_8);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                - rule: Any Request
                  desc: fires on every event
                  condition: ka.auditid exists
                  output: "%ka.verb %ka.target.resource"
                  priority: NOTICE
                  source: k8s_audit
                - rule: Privileged Pod
                  desc: reads the request body
                  condition: ka.verb=create and ka.target.resource=pods and ka.req.pod.containers.privileged intersects (true)
                  output: "%ka.target.name"
                  priority: WARNING
                  source: k8s_audit
                - rule: Exec Started
                  desc: waits for the stage an exec's event has
                  condition: ka.stage=ResponseStarted and ka.target.subresource=exec
                  output: "%ka.target.name"
                  priority: WARNING
                  source: k8s_audit
                """, StandardCharsets.UTF_8);
        Kaudit.Outcome scan = Kaudit.run("scan", "-q", "-r", rules.toString(), "-f", "jsonl", file.toString());
        String visibility = jsonStats("-r", rules.toString(), file.toString()).get("visibility").asText();
        assertEquals("only " + level + " events: 1 rule that read request bodies could not fire; "
                + "1 rule waits for stage ResponseStarted; no event in this log has it", visibility);
        Path page = report(dir, "-r", rules.toString(), file.toString());
        open(page);
        assertTrue(browser.await("!document.getElementById('coverage').hidden", 2000), "the coverage note is shown");
        String note = browser.text("document.getElementById('coverage').textContent");
        assertTrue(note.contains(visibility), note);
        assertTrue(note.contains("by stage: ResponseComplete"), note);
        assertEquals("undefined", browser.text("typeof window.__xss"));
        assertEquals(0, browser.number("document.querySelectorAll('img').length"));
        assertTrue(scan.out().lines().count() > 0, "the log alerts: " + scan.err());
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void pastMaxAlertsThePageSaysHowManyItLeftOutAndCountsStayComplete(@TempDir Path dir) throws Exception {
        open(report(dir, "--html-max-alerts", "10", Kaudit.PER_EVENT_SAMPLES));
        JsonObject stats = jsonStats(Kaudit.PER_EVENT_SAMPLES);
        long total = Long.parseLong(stats.get("alerts").asText());
        assertEquals(10, browser.number("document.querySelectorAll('#alerts tr[data-alert]').length"));
        assertEquals(total, stat("alerts"));
        String note = browser.text("document.getElementById('left-out').textContent");
        assertTrue(note.contains("10 of " + total) && note.contains((total - 10) + " left out"), note);
        // the highest priorities are the ones kept
        List<String> kept = browser.strings("[...document.querySelectorAll('#alerts tr[data-alert]')].map(r => r.children[1].textContent)");
        assertTrue(kept.containsAll(List.of("Critical")), kept.toString());
        assertFalse(kept.contains("Informational"), kept.toString());
        assertEquals(List.of(), browser.errors);
    }

    /** A picture of the report for README (target/screenshots/report.jpg; src/docs/screenshots has a copy). */
    @Test
    void screenshot(@TempDir Path dir) throws Exception {
        open(report(dir, Kaudit.PER_EVENT_SAMPLES));
        Path shots = Files.createDirectories(Path.of("target", "screenshots"));
        browser.eval("document.querySelector('#alerts tr[data-alert]').click()");
        browser.screenshot(shots.resolve("report.png"), 1280, 1700);
        browser.screenshot(shots.resolve("report.jpg"), 1280, 1700);
        browser.viewport(1400, 900);
        assertTrue(Files.size(shots.resolve("report.jpg")) > 10_000);
    }

    @Test
    void replReportEqualsTheScansReport(@TempDir Path dir) throws Exception {
        Path fromScan = report(dir, Kaudit.PER_EVENT_SAMPLES);
        Path fromRepl = dir.resolve("repl.html");
        Kaudit.Outcome o = Kaudit.process(("report " + fromRepl + "\n").getBytes(StandardCharsets.UTF_8), "repl", Kaudit.PER_EVENT_SAMPLES);
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(o.out().contains("wrote " + fromRepl), o.out());
        JsonObject scan = io.kaudit.ReportFile.data(fromScan);
        JsonObject repl = io.kaudit.ReportFile.data(fromRepl);
        for (String k : List.of("events", "lines", "bytes", "alerts", "alerts_by_priority", "alerts_by_rule", "malformed")) {
            assertEquals(scan.object("stats").get(k), repl.object("stats").get(k), k);
        }
        for (String k : List.of("actors", "rules", "span", "alerts_total")) {
            assertEquals(scan.get(k), repl.get(k), k);
        }
        open(fromRepl);
        browser.eval("document.querySelector('#alerts tr[data-alert]').click()");
        assertTrue(browser.await("document.querySelector('#alerts pre.json').textContent.includes('\"auditID\"')", 2000),
                "the alert's event, read again");
        assertEquals(List.of(), browser.errors);
    }

    /** Alerts plus aggregates, not the log: each event once, without managedFields, the rest counted. */
    @Test
    void theReportStaysSmall(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("generated.log");
        io.kaudit.bench.LogGenerator.main(new String[] {log.toString(), "16", "7", "16"});
        Path page = report(dir, log.toString());
        JsonObject d = io.kaudit.ReportFile.data(page);
        long alerts = Long.parseLong(d.get("alerts_total").asText());
        long size = Files.size(page);
        assertTrue(alerts > 500, alerts + " alerts");
        // a few thousand alerts of a 1 GiB log must stay well under 5 MiB: alerts and events go gzipped
        assertTrue(size < 250L * alerts + 150_000, size + " bytes for " + alerts + " alerts");
        assertTrue(size * 50 < Files.size(log), "far smaller than the log: " + size);
        String events = unpacked(page, "kaudit-events");
        assertTrue(events.contains("\"auditID\""), "the alerts' events are there");
        assertFalse(events.contains("\"manager\""), "managedFields are left out");
        assertTrue(unpacked(page, "kaudit-alerts").startsWith("[{"), "the alerts are there");
    }

    /** The JSON a gzipped data element of the page holds. */
    static String unpacked(Path page, String id) throws IOException {
        String html = Files.readString(page);
        String open = "<script type=\"application/gzip\" id=\"" + id + "\">";
        int from = html.indexOf(open);
        assertTrue(from >= 0, "no element " + id);
        from += open.length();
        byte[] gz = java.util.Base64.getDecoder().decode(html.substring(from, html.indexOf("</script>", from)).strip());
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
