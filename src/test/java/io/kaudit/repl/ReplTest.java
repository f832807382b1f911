package io.kaudit.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaudit.Kaudit;
import io.kaudit.bench.LogGenerator;
import io.kaudit.engine.Engine;
import io.kaudit.engine.Selection;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonReader;
import io.kaudit.event.Projection;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import io.kaudit.source.Input;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REPL through stdin, -c, JLine's own terminal and a real pseudo-terminal. */
class ReplTest {
    @TempDir
    static Path dir;
    static Path log;
    static long configmapCreates;
    static Map<String, Long> secretUsers = new TreeMap<>();

    /** A generated log and answers computed independently, line by line with plain JSON parsing. */
    @BeforeAll
    static void generate() throws IOException {
        log = dir.resolve("audit.log");
        LogGenerator gen = new LogGenerator(5, LogGenerator.attacks(Path.of("samples")), 100);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            lines.add(gen.next());
        }
        Files.write(log, lines, StandardCharsets.UTF_8);
        for (String l : lines) {
            JsonObject e = (JsonObject) JsonReader.parse(l, Projection.ALL);
            JsonObject ref = e.object("objectRef");
            String resource = ref == null ? null : ref.string("resource");
            if ("create".equals(e.string("verb")) && "configmaps".equals(resource)) {
                configmapCreates++;
            }
            if ("secrets".equals(resource)) {
                secretUsers.merge(e.object("user").string("username"), 1L, Long::sum);
            }
        }
        assertTrue(configmapCreates > 0 && !secretUsers.isEmpty());
    }

    private static String topLine(Map.Entry<String, Long> e) {
        return String.format("%,d", e.getValue()) + "  " + e.getKey();
    }

    @Test
    void scriptOnStdinAndOneCommand() throws Exception {
        String script = "count ka.verb=create and ka.target.resource=configmaps\n"
                + "count ka.verb = = create\n"
                + "top ka.user.name where ka.target.resource=secrets\n"
                + "count where ka.verb=create and ka.target.resource=configmaps and ka.req.configmap.obj contains aws\n";
        Kaudit.Outcome o = Kaudit.process(script.getBytes(StandardCharsets.UTF_8), "repl", log.toString());
        assertEquals(2, o.code(), "a failed command makes a script exit 2: " + o.err());
        assertTrue(o.out().contains(String.format("%,d of 20,000 events", configmapCreates)), o.out());
        assertTrue(o.err().contains("line 2: syntax error at column 11"), o.err());
        for (Map.Entry<String, Long> e : secretUsers.entrySet()) {
            assertTrue(o.out().contains(topLine(e)), topLine(e) + " in " + o.out());
        }
        assertTrue(o.out().matches("(?s).*\\n[0-9,]+ of 20,000 events\\n\\(\\d+ ms\\)\\n$"), "the slow path answers too");

        Kaudit.Outcome one = Kaudit.run("repl", "-c", "count ka.verb=create and ka.target.resource=configmaps", log.toString());
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().startsWith(String.format("%,d of 20,000 events", configmapCreates)));
        assertEquals(2, Kaudit.run("repl", "-c", "count ka.nope=1", log.toString()).code());
    }

    @Test
    void criContainerLogsAreQueriedWithTheirEventsWhole() throws Exception {
        // the generated log as the kubelet stores kube-apiserver's stdout: parts of 500 bytes, klog between
        List<String> cri = new ArrayList<>();
        int n = 0;
        for (String l : Files.readAllLines(log)) {
            String ts = "2026-03-14T09:00:00.000000001Z";
            for (int i = 0; i < l.length(); i += 500) {
                cri.add(ts + " stdout " + (i + 500 >= l.length() ? "F " : "P ") + l.substring(i, Math.min(l.length(), i + 500)));
            }
            if (++n % 1000 == 0) {
                cri.add(ts + " stderr F I0314 09:00:00.000001 1 trace.go:236] Trace[1]: slow");
            }
        }
        Path criLog = dir.resolve("kube-apiserver-0.log");
        Files.write(criLog, cri, StandardCharsets.UTF_8);
        String script = "count ka.verb=create and ka.target.resource=configmaps\n"
                + "count ka.verb=create and ka.target.resource=configmaps and ka.req.configmap.obj exists\n"
                + "show 1 --json where ka.target.resource=configmaps and ka.verb=create\n";
        Kaudit.Outcome o = Kaudit.process(script.getBytes(StandardCharsets.UTF_8), "repl", criLog.toString());
        assertEquals(0, o.code(), o.err());
        String events = String.format("%,d of 20,000 events", configmapCreates);
        assertEquals(2, o.out().split(java.util.regex.Pattern.quote(events), -1).length - 1,
                "the columns and the slow path (reading the file again) both see every event: " + o.out());
        String shown = o.out().lines().filter(x -> x.startsWith("{")).findFirst().orElseThrow();
        JsonObject event = (JsonObject) JsonReader.parse(shown, Projection.ALL);
        assertEquals("configmaps", event.object("objectRef").string("resource"), "an event read again whole: " + shown);
    }

    /** The sigma: prefix: a Sigma detection inline, answering as the rule language does on the same events. */
    @Test
    void sigmaDetectionsInline() throws Exception {
        String script = "count sigma: {verb: create, objectRef.resource: configmaps}\n"
                + "count sigma: {verb: CREATE, objectRef.resource|startswith: configmap}\n"   // Sigma: case-insensitive
                + "count ka.verb in (create, delete) and ka.target.resource=configmaps\n"
                + "count sigma: [{verb: create, objectRef.resource: configmaps}, {verb: delete, objectRef.resource: configmaps}]\n"
                + "count where sigma: {c: {objectRef.resource: configmaps}, w: {verb: [create, delete]}, condition: c and not w}\n"
                + "count ka.target.resource=configmaps and not ka.verb in (create, delete)\n"
                + "top ka.user.name 3 sigma: {objectRef.resource: secrets}\n"
                + "show 2 -j sigma: {verb: create, objectRef.resource: configmaps}\n"
                + "count sigma: {nosuchfield: 1}\n"
                + "count sigma: {verb: [\n";
        Kaudit.Outcome o = Kaudit.process(script.getBytes(StandardCharsets.UTF_8), "repl", log.toString());
        assertEquals(2, o.code(), o.err());
        List<String> counts = o.out().lines().filter(x -> x.endsWith(" of 20,000 events")).toList();
        assertEquals(6, counts.size(), o.out());
        assertEquals(String.format("%,d of 20,000 events", configmapCreates), counts.get(0));
        assertEquals(counts.get(0), counts.get(1));
        assertEquals(counts.get(2), counts.get(3), "a list of selections is an OR");
        assertEquals(counts.get(5), counts.get(4), "named selections and a condition");
        assertTrue(!counts.get(4).startsWith("0 of"), counts.get(4));
        Map.Entry<String, Long> topUser = secretUsers.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        assertTrue(o.out().contains(topLine(topUser)), topLine(topUser) + " in " + o.out());
        List<String> shown = o.out().lines().filter(x -> x.startsWith("{")).toList();
        assertEquals(2, shown.size(), o.out());
        for (String j : shown) {
            assertTrue(j.contains("\"verb\":\"create\"") && j.contains("\"resource\":\"configmaps\""), j);
        }
        assertTrue(o.err().contains("line 9: sigma: unknown field 'nosuchfield'"), o.err());
        assertTrue(o.err().contains("line 10: sigma: not YAML"), o.err());
    }

    @Test
    void timelineRefusesBucketsItCannotDraw() throws Exception {
        // two events three days apart: 259,201 one-second buckets, more than a timeline draws
        String event = Files.readAllLines(log).get(0);
        String later = event.replaceAll("\"(requestReceivedTimestamp|stageTimestamp)\":\"2026-03-14", "\"$1\":\"2026-03-17");
        assertTrue(!later.equals(event), "the sample event carries 2026-03-14 times");
        Path spread = Files.write(dir.resolve("spread.log"), List.of(event, later));
        String script = "timeline 0s\ntimeline 99999999999999999999d\ntimeline 300000d\ntimeline 1s\ntimeline 1d\n";
        Kaudit.Outcome o = Kaudit.process(script.getBytes(StandardCharsets.UTF_8), "repl", spread.toString());
        assertTrue(o.err().contains("line 1: bucket must be at least 1s, got '0s'"), o.err());
        assertTrue(o.err().contains("line 2: bucket '99999999999999999999d' is too long"), o.err());
        assertTrue(o.err().contains("line 3: bucket '300000d' is too long"), o.err());
        assertTrue(o.err().contains("line 4: 1s makes 259,"), o.err());
        assertTrue(o.err().contains("at most 100,000: take a larger bucket"), o.err());
        List<String> days = o.out().lines().filter(l -> l.startsWith("2026-03-1")).toList();
        assertEquals(4, days.size(), o.out());
        assertTrue(days.get(0).startsWith("2026-03-14T00:00:00Z") && days.get(0).endsWith(" 1")
                && days.get(3).startsWith("2026-03-17T00:00:00Z") && days.get(3).endsWith(" 1"), o.out());
    }

    @Test
    void aReportOfDocumentsCountsTheirLinesAndBytesAsScanDoes() throws Exception {
        // the first 50 events pretty-printed, one document after another
        StringBuilder pretty = new StringBuilder();
        for (String l : Files.readAllLines(log).subList(0, 50)) {
            pretty.append(io.kaudit.Exports.prettyJson(l)).append('\n');
        }
        Path docs = Files.writeString(dir.resolve("pretty.json"), pretty);
        Path page = dir.resolve("repl.html");
        Kaudit.Outcome o = Kaudit.process(("report " + page + "\n").getBytes(StandardCharsets.UTF_8), "repl", docs.toString());
        assertEquals(0, o.code(), o.err());
        Kaudit.Outcome scan = Kaudit.run("scan", "-q", "-f", "json", docs.toString());
        long lines = pretty.chars().filter(c -> c == '\n').count();
        assertTrue(scan.out().contains("\"lines\" : " + lines + ","), scan.out());
        assertTrue(scan.out().contains("\"bytes\" : " + Files.size(docs) + ","), scan.out());
        assertTrue(Files.readString(page).contains("\"lines\":" + lines + ",\"bytes\":" + Files.size(docs)),
                "the REPL's report counts what scan counts");
    }

    @Test
    void aReportNeverReplacesALoadedLog() throws Exception {
        Path copy = Files.copy(log, dir.resolve("evidence.log"));
        byte[] before = Files.readAllBytes(copy);
        Kaudit.Outcome o = Kaudit.process(("report " + copy + "\n").getBytes(StandardCharsets.UTF_8), "repl", copy.toString());
        assertTrue(o.err().contains("report " + copy + ": that is a loaded log (" + copy + "); kaudit does not write over what it reads"),
                o.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(copy)), "the log is untouched");
    }

    /** Three questions that use the columns, the slow path (reading the input again) and show -j. */
    private static Kaudit.Outcome ask(Path input) throws Exception {
        String questions = "count ka.verb=create\n"
                + "count ka.req.configmap.obj exists\n"
                + "show 1 --json where ka.verb=create\n";
        return Kaudit.process(questions.getBytes(StandardCharsets.UTF_8), "repl", input.toString());
    }

    private static List<String> answers(Kaudit.Outcome o) {
        return o.out().lines().filter(x -> x.contains(" of ") || x.startsWith("{")).toList();
    }

    @Test
    void yamlExportsAreQueriedLikeJsonLines() throws Exception {
        // the first 2,000 events as a YAML export (gcloud and kubectl write YAML)
        List<String> lines = Files.readAllLines(log).subList(0, 2000);
        Path export = dir.resolve("export.yaml");
        Files.writeString(export, io.kaudit.Exports.yaml(lines));
        Path jsonl = Files.write(dir.resolve("first2000.log"), lines);
        Kaudit.Outcome fromJson = ask(jsonl);
        Kaudit.Outcome fromYaml = ask(export);
        assertEquals(0, fromYaml.code(), fromYaml.err());
        assertEquals(answers(fromJson), answers(fromYaml),
                "columns, the slow path and show --json all read the YAML documents again: " + fromYaml.out());
        assertTrue(fromYaml.out().contains("of 2,000 events"), fromYaml.out());
        assertTrue(fromYaml.err().contains("0 malformed"), fromYaml.err());
    }

    /** alerts -s sums up per rule exactly what the plain listing shows, under the same condition. */
    @Test
    void alertsSummaryAgreesWithTheListing() throws Exception {
        String cond = "where ka.target.resource in (pods, secrets, configmaps)";
        Kaudit.Outcome o = Kaudit.process(("alerts " + cond + "\nalerts -s " + cond + "\n").getBytes(StandardCharsets.UTF_8),
                "repl", log.toString());
        assertEquals(0, o.code(), o.err());
        List<String> lines = o.out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("PRIORITY ")).findFirst().orElseThrow());
        Map<String, Long> listed = new TreeMap<>();
        for (String l : lines.subList(0, header)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\S+ \\S+ +(.+?) +\\S+:\\d+  ").matcher(l);
            if (m.find()) {
                listed.merge(m.group(1), 1L, Long::sum);
            }
        }
        assertTrue(listed.size() > 2, listed.toString());
        Map<String, Long> summed = new TreeMap<>();
        for (String l : lines.subList(header + 1, lines.size())) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\S+ +([0-9,]+) (.+?) +\\d{4}-").matcher(l);
            if (m.find()) {
                summed.put(m.group(2), Long.parseLong(m.group(1).replace(",", "")));
            }
        }
        assertEquals(listed, summed);
    }

    /** A gzip cut short (copied while written) loads up to the cut, says so, and answers like its whole lines. */
    @Test
    void aGzipCutShortLoadsWhatCameBeforeTheCut() throws Exception {
        byte[] whole;
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(z)) {
            Files.copy(log, out);
        }
        whole = z.toByteArray();
        Path cut = Files.write(dir.resolve("cut.log.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        List<String> before = new ArrayList<>();   // the whole lines a plain gzip reader gets before the cut
        java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(cut))) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                read.write(buf, 0, n);   // (a Reader would drop the bytes it holds undecoded at the cut)
            }
        } catch (java.io.EOFException expected) {
            // the cut
        }
        String text = read.toString(StandardCharsets.UTF_8);
        before.addAll(List.of(text.substring(0, text.lastIndexOf('\n')).split("\n")));
        Path prefix = Files.write(dir.resolve("before-the-cut.log"), before);
        Kaudit.Outcome fromCut = ask(cut);
        Kaudit.Outcome fromPrefix = ask(prefix);
        assertEquals(0, fromCut.code(), fromCut.err());
        assertTrue(fromCut.err().contains(cut + ": compressed data ends early ("), fromCut.err());
        assertTrue(before.size() > 5000, "half the log is before the cut: " + before.size());
        assertEquals(answers(fromPrefix), answers(fromCut),
                "every event before the cut, through columns, the slow path and show: " + fromCut.out());
    }

    @Test
    void jlineTerminalCompletesAndSurvivesErrors() throws Exception {
        EventTable table = new EventTable();
        RuleSet rules = new RuleLoader().load("none.yaml", "[]").compile();
        Engine engine = new Engine(rules, Selection.defaults());
        table.load(new Input(log.toString(), log), engine, rules.projection(),
                new AtomicLong(), () -> false);

        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 1 << 16);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Terminal terminal = TerminalBuilder.builder().system(false).streams(in, screen).type("xterm").size(
                new Size(160, 50)).build();
        Commands commands = new Commands(table, rules, engine, terminal.writer());
        Repl repl = new Repl(commands, (p, out) -> { }, List.of());
        Thread session = new Thread(() -> repl.interactive(terminal, dir.resolve("history")));
        session.start();
        prompts(screen, 1);
        type(keys, "count ka.verb=create and ka.target.res\t");   // Tab completes the field
        Thread.sleep(300);
        type(keys, "=configmaps\r");
        prompts(screen, 2);
        type(keys, "count ka.verb = = create\r");
        prompts(screen, 3);
        type(keys, "count (ka.verb=create and\rka.target.resource=configmaps)\r");   // open parenthesis: continues
        prompts(screen, 4);
        type(keys, "\u0004");   // Ctrl-D
        session.join(30_000);
        assertTrue(!session.isAlive(), "Ctrl-D ends the session");
        String text = screen.toString(StandardCharsets.UTF_8);
        String expected = String.format("%,d of 20,000 events", configmapCreates);
        assertEquals(2, text.split(java.util.regex.Pattern.quote(expected), -1).length - 1, text);
        assertTrue(text.contains("error: syntax error at column 11"), text);
        assertTrue(Files.readString(dir.resolve("history")).contains("count ka.verb = = create"), "history kept");
        terminal.close();
    }

    @Test
    void ctrlCCancelsARunningQueryAndTheSessionGoesOn() throws Exception {
        EventTable table = new EventTable();
        RuleSet rules = new RuleLoader().load("none.yaml", "[]").compile();
        Engine engine = new Engine(rules, Selection.defaults());
        for (int i = 0; i < 12; i++) {   // the same log twelve times: a query that reads the files takes a while
            table.load(new Input(log.toString(), log), engine, rules.projection(),
                    new AtomicLong(), () -> false);
        }
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys, 1 << 16);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        // JLine's own line discipline, which turns ^C into SIGINT as a tty does (TerminalBuilder would open a
        // native pty here whose SIGINT goes to no process).
        Terminal terminal = new ExternalTerminal("test", "xterm", in, screen, StandardCharsets.UTF_8);
        terminal.setSize(new Size(160, 50));
        Repl repl = new Repl(new Commands(table, rules, engine, terminal.writer()), (p, out) -> { }, List.of());
        Thread session = new Thread(() -> repl.interactive(terminal, dir.resolve("history-cancel")));
        session.start();
        prompts(screen, 1);
        type(keys, "count ka.uri.param[command] exists\r");   // not a column: reads the files again
        Thread.sleep(150);
        long t0 = System.nanoTime();
        type(keys, "\u0003");   // Ctrl-C
        prompts(screen, 2);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        type(keys, "count\r");
        prompts(screen, 3);
        type(keys, "\u0004");
        session.join(30_000);
        String text = screen.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("(cancelled)"), text);
        assertTrue(ms < 1500, "the query stopped " + ms + " ms after Ctrl-C");
        assertTrue(text.contains("240,000 events"), "the session goes on: " + text);
        terminal.close();
    }

    private static void type(OutputStream keys, String s) throws Exception {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Waits until the screen shows the n-th prompt. */
    private static void prompts(ByteArrayOutputStream screen, int n) throws InterruptedException {
        StringBuffer text = new StringBuffer();
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            text.setLength(0);
            text.append(screen.toString(StandardCharsets.UTF_8));
            if (text.toString().split("kaudit> ", -1).length - 1 >= n) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no prompt #" + n + "; screen:\n" + text);
    }

    /** A real pseudo-terminal from script(1): the REPL sees a TTY, as a person at a terminal would. */
    @Test
    void realPseudoTerminal() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) not installed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = java + " -cp " + System.getProperty("java.class.path") + " io.kaudit.cli.Main repl " + log;
        Process p = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", cmd, "/dev/null")
                .redirectErrorStream(true).start();
        StringBuffer screen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] b = new byte[8192];
                int n;
                while ((n = in.read(b)) > 0) {
                    screen.append(new String(b, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.start();
        OutputStream keys = p.getOutputStream();
        waitFor(screen, "kaudit> ", 1, 60_000);
        String[] queries = {"count ka.verb=create and ka.target.resource=configmaps", "count ka.verb = = create",
            "top ka.user.name where ka.target.resource=secrets", "count by_control_pl\t"};   // Tab completes a macro
        for (int i = 0; i < queries.length; i++) {
            long t0 = System.nanoTime();
            keys.write((queries[i] + "\r").getBytes(StandardCharsets.UTF_8));
            keys.flush();
            waitFor(screen, "kaudit> ", i + 2, 10_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2000, queries[i] + " took " + ms + " ms");
        }
        keys.write(4);   // Ctrl-D
        keys.flush();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        reader.join(5000);
        String text = screen.toString().replace("\r", "");
        assertTrue(text.contains(String.format("%,d of 20,000 events", configmapCreates)), text);
        assertTrue(text.contains("error: syntax error at column 11"), text);
        assertTrue(text.contains("count by_control_plane") && !text.contains("by_control_pl:")
                && !text.contains("unknown macro"), "the bundled rules' macros complete: " + text);
        for (Map.Entry<String, Long> e : secretUsers.entrySet()) {
            assertTrue(text.contains(topLine(e)), topLine(e) + " in " + text);
        }
    }

    private static void waitFor(StringBuffer screen, String prompt, int times, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (screen.toString().split(java.util.regex.Pattern.quote(prompt), -1).length - 1 >= times) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no prompt #" + times + "; screen:\n" + screen);
    }
}
