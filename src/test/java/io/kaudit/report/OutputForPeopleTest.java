package io.kaudit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaudit.Kaudit;
import io.kaudit.live.HttpReceiver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20 point 9: output for people (the parts done on this branch). */
class OutputForPeopleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void jsonlAlertsCarryTheAuditId() throws Exception {
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "jsonl", "samples/exec-into-pod.log");
        List<String> lines = o.lines();
        assertFalse(lines.isEmpty());
        List<String> events = Files.readAllLines(Path.of("samples/exec-into-pod.log"));
        for (String l : lines) {
            JsonNode a = JSON.readTree(l);
            int line = a.get("location").get("line").asInt();
            String expected = JSON.readTree(events.get(line - 1)).get("auditID").asText();
            assertEquals(expected, a.get("auditID").asText(), l);
        }
    }

    @Test
    void csvHasWhoWhereAndFromWhereAndDefusesTabAndCr() throws Exception {
        Path log = dir.resolve("a.log");
        Files.writeString(log, """
                {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/payments/secrets/db","verb":"get","user":{"username":"\\tmallory"},"sourceIPs":["10.1.2.3"],"objectRef":{"resource":"secrets","namespace":"payments","name":"db","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-03-14T09:00:00.000000Z"}
                """);
        Path rules = dir.resolve("r.yaml");
        Files.writeString(rules, "- rule: Secret Get\n  desc: d\n  condition: ka.target.resource=secrets\n"
                + "  output: \"\\r=cmd|' /C calc'!A0 by %ka.user.name\"\n  priority: NOTICE\n  source: k8s_audit\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-f", "csv", "-r", rules.toString(), log.toString());
        assertEquals(0, o.code(), o.err());
        String[] rows = o.out().split("\r\n");
        assertTrue(rows[0].endsWith(",user,namespace,source_ip,audit_id"), rows[0]);
        assertTrue(rows[1].endsWith(",'\tmallory,payments,10.1.2.3,id-1"), o.out().replace("\r", "<CR>"));
        assertTrue(rows[1].contains(",'=cmd|"), rows[1]);
        assertEquals("\"'\r=cmd\"", CsvSink.cell("\r=cmd"), "a CR-led cell is defused (and quoted)");
        assertEquals("'\tx", CsvSink.cell("\tx"));
    }

    @Test
    void bidiControlsAreNeutralised() {
        String trojan = "admin\u202Enimda\u2066x\u2069\u200F";
        String shown = Terminal.sanitize(trojan);
        assertEquals("admin?nimda?x??", shown);
        assertEquals("plain ünïcode", Terminal.sanitize("plain ünïcode"));
    }

    @Test
    void usageErrorIsOneLinePlusTryHelp() {
        Kaudit.Outcome o = Kaudit.run("scan", "--bogus", "samples");
        assertEquals(2, o.code());
        List<String> err = o.err().lines().toList();
        assertEquals(2, err.size(), o.err());
        assertTrue(err.get(0).contains("--bogus"), o.err());
        assertEquals("try 'kaudit scan --help'", err.get(1));
    }

    @Test
    void missingTlsFilesSayNoSuchFile() {
        Path cert = dir.resolve("missing-cert.pem");
        Path key = dir.resolve("missing-key.pem");
        Kaudit.Outcome o = Kaudit.run("serve", "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(),
                "--tls-key", key.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains(cert + ": no such file"), o.err());
    }

    /** curl -d posts with Content-Type application/x-www-form-urlencoded; the body is JSON all the same. */
    @Test
    void curlDashDContentTypeIsAccepted() throws Exception {
        AtomicInteger bodies = new AtomicInteger();
        HttpReceiver r = new HttpReceiver(new HttpReceiver.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                1 << 20, null, null, 2), (body, length, client) -> {
                    bodies.incrementAndGet();
                    return null;
                }, () -> "", m -> { });
        r.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + r.address().getPort() + HttpReceiver.PATH);
            HttpRequest post = HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"EventList\",\"items\":[]}")).build();
            HttpResponse<String> res = HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), res.body());
            assertEquals(1, bodies.get());
        } finally {
            r.stop(1);
        }
    }

    /** Outside a terminal nothing is cut: a long path, a long rule name; times keep their microseconds. */
    @Test
    void tableCutsNothingOutsideATerminalAndKeepsMicroseconds() throws Exception {
        Path deep = dir.resolve("a-very-long-folder-name-for-the-collected-logs/of-the-production-cluster/node-7");
        Files.createDirectories(deep);
        Path log = deep.resolve("kube-apiserver-audit-2026-03-14T09-00-00.000.log");
        Files.copy(Path.of("samples/exec-into-pod.log"), log);
        String longName = "A Rule Whose Name Is Much Longer Than Forty Eight Characters In All";
        Path rules = dir.resolve("r.yaml");
        Files.writeString(rules, "- rule: " + longName + "\n  desc: d\n  condition: ka.target.subresource=exec\n"
                + "  output: exec by %ka.user.name\n  priority: NOTICE\n  source: k8s_audit\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-q", "-r", rules.toString(), log.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains(log + ":2"), o.out());
        assertTrue(o.out().contains(longName), o.out());
        assertFalse(o.out().contains("\u2026"), o.out());
        assertTrue(o.out().contains("2026-03-14T09:00:05.614496Z"), o.out());
        Kaudit.Outcome summary = Kaudit.run("scan", "-q", "-f", "summary", "-r", rules.toString(), log.toString());
        assertTrue(summary.out().contains(log + ":2") && summary.out().contains(longName), summary.out());
    }

    /** On a real terminal (script(1) gives one) rows are cut to its width, and --wide prints them whole. */
    @Test
    void wideKeepsWholeRowsOnATerminal() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")));
        String java = String.join(" ", Kaudit.command(List.of(), "scan", "-q", "samples/exec-into-pod.log"));
        String cut = pty(java);
        String wide = pty(java + " --wide");
        assertTrue(cut.contains("\u2026"), cut);
        assertTrue(wide.contains("agent=kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"), wide);
    }

    private static String pty(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qec", "stty cols 100; " + command, "/dev/null");
        pb.environment().put("NO_COLOR", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }

    /** {@code show -j} to a pipe: stdout holds JSON only (one event a line); the count goes to stderr. */
    @Test
    void replShowJsonWritesOnlyJsonWhenNotOnATerminal() throws Exception {
        Kaudit.Outcome o = Kaudit.process(new byte[0], "repl", "-c", "show 3 -j", "samples/exec-into-pod.log");
        assertEquals(0, o.code(), o.err());
        List<String> lines = o.lines();
        assertEquals(3, lines.size(), o.out());
        for (String l : lines) {
            assertTrue(JSON.readTree(l).has("auditID"), l);
        }
        assertTrue(o.err().contains("3 shown of 10 matching"), o.err());
    }

    /** scan reading a terminal: one Ctrl-D ends the input (it used to take one per read after the end). */
    @Test
    void oneCtrlDEndsStdinOnATerminal() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")));
        String scan = String.join(" ", Kaudit.command(List.of(), "scan", "-q", "-f", "jsonl"));
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qec", "stty -echo; " + scan + "; echo EXIT=$?",
                "/dev/null").redirectErrorStream(true);
        Process p = pb.start();
        java.io.OutputStream keys = p.getOutputStream();
        List<String> events = Files.readAllLines(Path.of("samples/exec-into-pod.log")).subList(0, 2);
        Thread.sleep(500);
        for (String e : events) {
            keys.write((e + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        keys.write(4);   // Ctrl-D, once; the terminal stays open
        keys.flush();
        java.io.InputStream screen = p.getInputStream();
        StringBuilder seen = new StringBuilder();
        long end = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < end && !seen.toString().contains("EXIT=")) {
            if (screen.available() > 0) {
                seen.append((char) screen.read());
            } else {
                Thread.sleep(20);
            }
        }
        keys.close();
        p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        p.destroyForcibly();
        assertTrue(seen.toString().contains("EXIT="), "scan did not end on one Ctrl-D: " + seen);
        assertTrue(seen.toString().contains("Interactive Shell Exec Into Pod"), seen.toString());
    }
}
