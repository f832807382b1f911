package io.kaudit.repl;

import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.engine.RunStats;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Bytes;
import io.kaudit.event.JsonWriter;
import io.kaudit.event.Projection;
import io.kaudit.event.Timestamps;
import io.kaudit.framing.InputFormat;
import io.kaudit.framing.InputLines;
import io.kaudit.report.SummarySink;
import io.kaudit.report.html.HtmlSink;
import io.kaudit.report.Terminal;
import io.kaudit.rule.CompileException;
import io.kaudit.rule.ConditionCompiler;
import io.kaudit.rule.ConditionSyntaxException;
import io.kaudit.rule.FieldDef;
import io.kaudit.rule.Fields;
import io.kaudit.rule.QueryParser;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleSet;
import io.kaudit.source.Input;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REPL's commands over an {@link EventTable}. Conditions are the rules' language (with the
 * loaded rules' lists and macros); {@code where} is optional. A query on column fields reads no
 * JSON; any other field makes it read the files again. Long loops check {@link #cancel()}.
 */
public final class Commands {
    public static final List<String> NAMES = List.of("count", "top", "show", "timeline", "alerts", "report", "fields",
            "rules", "load", "help", "quit", "exit");
    private static final Pattern BUCKET = Pattern.compile("(\\d+)([smhd])");

    private final EventTable table;
    private final RuleSet rules;
    private final Engine engine;
    private final PrintWriter out;
    private volatile boolean cancelled;
    /** kaudit's version, for the HTML report's footer. */
    private String version = "";

    public Commands(EventTable table, RuleSet rules, Engine engine, PrintWriter out) {
        this.table = table;
        this.rules = rules;
        this.engine = engine;
        this.out = out;
    }

    /** A command that cannot run (bad syntax, unknown field); the message says where. */
    public static final class CommandException extends Exception {
        public CommandException(String message) {
            super(message);
        }
    }

    /** Asks the running command to stop soon (Ctrl-C). */
    /** Sets kaudit's version, which {@code report} prints in its footer. */
    public Commands version(String v) {
        version = v;
        return this;
    }

    /** Where notes beside machine-readable output go ("N shown of M"), so that {@code show -j} piped is JSON only. */
    private PrintWriter notes;

    public Commands notesTo(PrintWriter w) {
        notes = w;
        return this;
    }

    public void cancel() {
        cancelled = true;
    }

    /** Runs one command line. Returns false for quit. */
    public boolean run(String line) throws CommandException {
        cancelled = false;
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#")) {
            return true;
        }
        int sp = indexOfBlank(text);
        String cmd = (sp < 0 ? text : text.substring(0, sp)).toLowerCase(Locale.ROOT);
        String rest = sp < 0 ? "" : text.substring(sp).strip();
        long start = System.nanoTime();
        switch (cmd) {
            case "quit", "exit" -> {
                return false;
            }
            case "help" -> help();
            case "count" -> count(rest);
            case "top" -> top(rest);
            case "show" -> show(rest);
            case "timeline" -> timeline(rest);
            case "alerts" -> alerts(rest);
            case "report" -> report(rest);
            case "fields" -> fields(rest);
            case "rules" -> rules();
            case "load" -> throw new CommandException("load is handled by the shell");
            default -> throw new CommandException("unknown command '" + cmd + "' (try help)");
        }
        // beside JSON (show -j), notes go where notesTo() says, so a pipe gets JSON only
        PrintWriter to = notes != null && cmd.equals("show") && rest.matches("(?s)(.*\\s)?(-j|--json)(\\s.*)?") ? notes : out;
        if (cancelled) {
            to.println("(cancelled)");
        } else if (!cmd.equals("help") && !cmd.equals("fields") && !cmd.equals("rules")) {
            to.printf("(%d ms)%n", (System.nanoTime() - start) / 1_000_000);
        }
        to.flush();
        out.flush();
        return true;
    }

    // ------------------------------------------------------------------ commands

    private void count(String rest) throws CommandException {
        String cond = where(rest);
        if (cond.isEmpty()) {
            out.printf("%,d events%n", table.size());
            return;
        }
        BitSet rows = match(cond);
        out.printf("%,d of %,d events%n", rows.cardinality(), table.size());
    }

    private void top(String rest) throws CommandException {
        String[] head = splitSigma(rest);
        String[] words = head[0].isBlank() ? new String[0] : head[0].strip().split("\\s+");
        if (words.length == 0) {
            throw new CommandException("usage: top FIELD [N] [where COND]");
        }
        String field = words[0];
        int n = words.length > 1 ? parseCount(words[1]) : 10;
        ConditionCompiler.Bound bound = bind(field);
        BitSet rows = head[1].isEmpty() ? all() : match(head[1]);
        Map<String, Long> counts = new HashMap<>();
        int column = table.column(field);
        if (column >= 0) {
            Map<Integer, long[]> byId = new HashMap<>();
            long absent = 0;
            for (int r = rows.nextSetBit(0); r >= 0 && !cancelled; r = rows.nextSetBit(r + 1)) {
                int id = table.valueId(column, r);
                if (id < 0) {
                    absent++;
                } else {
                    byId.computeIfAbsent(id, k -> new long[1])[0]++;
                }
            }
            byId.forEach((id, c) -> counts.put(table.dictionaryValue(column, id), c[0]));
            if (absent > 0) {
                counts.put("<NA>", absent);
            }
        } else {
            reread(projectionOf(field), rows, (row, e) -> {
                Object v = bound.getter().get(e);
                if (v == null) {
                    counts.merge("<NA>", 1L, Long::sum);
                } else if (v instanceof String s) {
                    counts.merge(s, 1L, Long::sum);
                } else {
                    for (Object o : (List<?>) v) {
                        counts.merge((String) o, 1L, Long::sum);
                    }
                }
            });
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
                : Long.compare(b.getValue(), a.getValue()));
        int width = sorted.isEmpty() ? 5 : String.format("%,d", sorted.get(0).getValue()).length();
        for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(n, sorted.size()))) {
            out.printf("%" + width + "s  %s%n", String.format("%,d", e.getValue()), Terminal.sanitize(e.getKey()));
        }
        if (sorted.size() > n) {
            out.printf("... %,d more values%n", sorted.size() - n);
        }
    }

    private void show(String rest) throws CommandException {
        String[] head = splitSigma(rest);
        int n = 20;
        boolean json = false;
        for (String w : head[0].isBlank() ? new String[0] : head[0].strip().split("\\s+")) {
            if (w.equals("-j") || w.equals("--json")) {
                json = true;
            } else {
                n = parseCount(w);
            }
        }
        BitSet rows = head[1].isEmpty() ? all() : match(head[1]);
        List<Integer> picked = new ArrayList<>();
        for (int r = rows.nextSetBit(0); r >= 0 && picked.size() < n; r = rows.nextSetBit(r + 1)) {
            picked.add(r);
        }
        if (json) {
            for (int r : picked) {
                out.println(rawJson(r));
            }
        } else {
            String fmt = "%-24s %-36s %-7s %-28s %-40s %s%n";
            out.printf(fmt, "TIME", "USER", "VERB", "RESOURCE", "NAMESPACE/NAME", "CODE");
            for (int r : picked) {
                String res = or(table.value(table.column("ka.target.resource"), r), "")
                        + (table.value(table.column("ka.target.subresource"), r) == null ? ""
                        : "/" + table.value(table.column("ka.target.subresource"), r));
                String ns = table.value(table.column("ka.target.namespace"), r);
                String name = or(table.value(table.column("ka.target.name"), r), "");
                out.printf(fmt, Timestamps.isoUtc(table.time(r)).substring(0, 23) + "Z",
                        clip(or(table.value(table.column("ka.user.name"), r), "<NA>"), 36),
                        or(table.value(table.column("ka.verb"), r), ""), clip(res, 28),
                        clip((ns == null ? "" : ns + "/") + name, 40), or(table.value(table.column("ka.response.code"), r), ""));
            }
        }
        PrintWriter to = json && notes != null ? notes : out;
        to.printf("%,d shown of %,d matching%n", picked.size(), rows.cardinality());
        to.flush();
    }

    private void timeline(String rest) throws CommandException {
        String[] head = splitWhere(rest);
        BitSet rows = head[1].isEmpty() ? all() : match(head[1]);
        if (rows.isEmpty()) {
            out.println("no matching events");
            return;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int r = rows.nextSetBit(0); r >= 0; r = rows.nextSetBit(r + 1)) {
            min = Math.min(min, table.time(r));
            max = Math.max(max, table.time(r));
        }
        long bucket = head[0].isBlank() ? autoBucket(max - min) : bucket(head[0].strip());
        long first = Math.floorDiv(min, bucket) * bucket;
        long buckets = (max - first) / bucket + 1;
        if (buckets > MAX_BUCKETS) {   // rather than print the first 100,000 and drop the rest unsaid
            throw new CommandException(String.format("%s makes %,d buckets over these events (%s to %s); at most %,d: "
                    + "take a larger bucket", head[0].strip(), buckets, Timestamps.isoUtc(min), Timestamps.isoUtc(max), MAX_BUCKETS));
        }
        int count = (int) buckets;
        long[] hist = new long[count];
        for (int r = rows.nextSetBit(0); r >= 0; r = rows.nextSetBit(r + 1)) {
            int b = (int) ((table.time(r) - first) / bucket);
            if (b < count) {
                hist[b]++;
            }
        }
        long peak = 1;
        for (long h : hist) {
            peak = Math.max(peak, h);
        }
        for (int i = 0; i < count && !cancelled; i++) {
            String t = Timestamps.isoUtc(first + i * bucket);
            int bar = (int) Math.round(50.0 * hist[i] / peak);
            out.printf("%s  %-50s %,d%n", t.substring(0, 19) + "Z", "#".repeat(bar), hist[i]);
        }
    }

    /**
     * {@code report FILE}: the HTML report of everything loaded, as {@code scan -f html} writes it.
     * Aggregates come from the columns (no JSON read); the alerts' events are read again.
     */
    private void report(String rest) throws CommandException {
        String file = rest.strip();
        if (file.isEmpty()) {
            throw new CommandException("usage: report FILE");
        }
        Path target = Path.of(file);
        for (io.kaudit.source.Input in : table.inputs) {
            if (io.kaudit.source.Inputs.isSameFile(target, in.path())) {
                throw new CommandException("report " + file + ": that is a loaded log (" + in.name()
                        + "); kaudit does not write over what it reads");
            }
        }
        Path temp = target.resolveSibling(target.getFileName() + ".kaudit-tmp");
        List<String> names = new ArrayList<>();
        table.inputs.forEach(i -> names.add(i.name()));
        RunStats stats = new RunStats();
        try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            HtmlSink sink = new HtmlSink(w, new HtmlSink.Options(names, HtmlSink.DEFAULT_MAX_ALERTS, version));
            sink.begin(engine.activeRules());
            int user = table.column("ka.user.name");
            int ip = table.column("jevt.value[/sourceIPs/0]");
            int verb = table.column("ka.verb");
            int resource = table.column("ka.target.resource");
            int sub = table.column("ka.target.subresource");
            int stage = table.column("ka.stage");
            for (int r = 0; r < table.size() && !cancelled; r++) {
                String res = table.value(resource, r);
                String s = table.value(sub, r);
                long t = table.time(r);
                sink.event(t, table.value(user, r), table.value(ip, r), table.value(verb, r),
                        res == null || s == null ? res : res + "/" + s, null, table.value(stage, r));
                stats.earliestNanos = Math.min(stats.earliestNanos, t);
                stats.latestNanos = Math.max(stats.latestNanos, t);
            }
            stats.events = table.size();
            stats.lines = table.lines();
            stats.bytes = table.bytes();
            stats.malformed = table.malformed();
            List<Alert> list = table.alerts();
            BitSet rows = new BitSet();
            table.alertRows().forEach(rows::set);
            int[] next = {0};
            // rows come back in order, as the alerts were kept: each alert gets its event while it is read
            reread(Projection.ALL, rows, (row, e) -> {
                while (next[0] < list.size() && table.alertRows().get(next[0]) == row) {
                    Alert kept = list.get(next[0]++);
                    // a correlation alert has no event of its own (scan reports it without one): the row is only where it was kept
                    Alert a = kept.correlation() != null ? kept : kept.withEvent(e.root());
                    stats.countAlert(a);
                    sink.alert(a);
                }
            });
            for (; next[0] < list.size(); next[0]++) {   // an event not found again: the alert, without it
                stats.countAlert(list.get(next[0]));
                sink.alert(list.get(next[0]));
            }
            sink.finish(stats);
        } catch (IOException e) {
            throw new CommandException("cannot write " + file + ": " + e.getMessage());
        }
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CommandException("cannot write " + file + ": " + e.getMessage());
        }
        out.printf("wrote %s: %,d events, %,d alerts%n", file, stats.events, stats.alerts());
    }

    private void alerts(String rest) throws CommandException {
        Matcher flag = Pattern.compile("^\\s*(-s|--summary)(\\s+|$)").matcher(rest);
        boolean summary = flag.find();
        String cond = where(summary ? rest.substring(flag.end()) : rest);
        BitSet rows = cond.isEmpty() ? null : match(cond);
        SummarySink rules = summary ? new SummarySink(out, false, 0) : null;
        int shown = 0;
        List<Alert> list = table.alerts();
        for (int i = 0; i < list.size() && !cancelled; i++) {
            if (rows != null && !rows.get(table.alertRows().get(i))) {
                continue;
            }
            Alert a = list.get(i);
            if (rules != null) {
                rules.alert(a);
            } else {
                out.printf("%s %-13s %-40s %s  %s%n", Timestamps.isoUtc(a.timeNanos()).substring(0, 23) + "Z",
                        a.priority().falcoName(), a.rule(), a.location(), Terminal.sanitize(a.message()));
            }
            shown++;
        }
        if (rules != null) {
            try {
                rules.finish(new io.kaudit.engine.RunStats());
            } catch (java.io.IOException e) {
                throw new CommandException(e.getMessage());
            }
        }
        out.printf("%,d alert%s%n", shown, shown == 1 ? "" : "s");
    }

    private void fields(String prefix) {
        for (FieldDef f : Fields.all()) {
            if (f.name().startsWith(prefix.strip())) {
                String arg = f.arg() == FieldDef.Arg.REQUIRED ? "[...]" : f.arg() == FieldDef.Arg.INDEX ? "[i]" : "";
                out.printf("%-50s %-6s %s%s%n", f.name() + arg, f.list() ? "list" : "", f.description(),
                        table.column(f.name()) >= 0 ? " (fast)" : "");
            }
        }
    }

    private void rules() {
        for (Rule r : engine.activeRules()) {
            out.printf("%-45s %-13s %s%n", r.name(), r.priority().falcoName(), String.join(",", r.tags()));
        }
        out.printf("%d rules, %,d alerts over the loaded events%n", engine.activeRules().size(), table.alerts().size());
    }

    private void help() {
        out.println("""
                Conditions use the rule language: every ka.* and jevt.* field, and the loaded rules' macros and lists.
                  count [where] COND              how many events match
                  count sigma: DETECTION          COND may also be a Sigma detection, e.g. sigma: {verb: create, objectRef.resource: secrets}
                  top FIELD [N] [where COND]      most frequent values of FIELD
                  show [N] [-j] [where COND]      matching events as a table (-j: raw JSON)
                  timeline [BUCKET] [where COND]  events per time bucket (BUCKET: 30s, 5m, 1h, 1d)
                  alerts [-s] [where COND]        the loaded rules' alerts on matching events (-s: per rule)
                  report FILE                     write the HTML report of what is loaded (as scan -f html)
                  fields [PREFIX]                 field names ((fast) = answered from memory)
                  rules                           the loaded rules
                  load PATH                       add logs
                  help, quit                      (Ctrl-C cancels a query, Ctrl-D quits)
                Examples:
                  count ka.verb=create and ka.target.resource=configmaps
                  top ka.user.name where ka.target.resource=secrets
                  show 5 where ka.user.name=system:anonymous
                  timeline 1h where ka.response.code startswith 4""");
    }

    // ------------------------------------------------------------------ matching

    private BitSet all() {
        BitSet b = new BitSet(table.size());
        b.set(0, table.size());
        return b;
    }

    /** The rows matching a condition, from columns when it only reads column fields. */
    public BitSet match(String cond) throws CommandException {
        if (cond.startsWith(SIGMA)) {
            return matchSigma(cond.substring(SIGMA.length()).strip());
        }
        QueryParser.Query q = compile(cond);
        BitSet rows = new BitSet(table.size());
        if (table.covers(q.fields())) {
            EventTable.RowEvent row = table.new RowEvent(q.fields(), q.slots());
            for (int r = 0; r < table.size(); r++) {
                if ((r & 4095) == 0 && cancelled) {
                    break;
                }
                if (q.condition().test(row.at(r))) {
                    rows.set(r);
                }
            }
            return rows;
        }
        BitSet everything = all();
        reread(q.projection(), everything, (r, e) -> {
            if (q.condition().test(e)) {
                rows.set(r);
            }
        });
        return rows;
    }

    /** The prefix of a Sigma detection given inline, where a condition may stand. */
    private static final String SIGMA = "sigma:";

    /** The rows matching a Sigma detection given inline (its fields as in a Sigma rule), read from the files. */
    private BitSet matchSigma(String detection) throws CommandException {
        Projection projection = new Projection();
        io.kaudit.rule.Condition c;
        try {
            c = io.kaudit.rule.sigma.SigmaLoader.inline(detection, new io.kaudit.rule.sigma.SigmaFields(), projection);
        } catch (io.kaudit.rule.RuleLoadException e) {
            throw new CommandException("sigma: " + e.getMessage() + "\n  " + detection);
        }
        BitSet rows = new BitSet(table.size());
        reread(projection, all(), (r, e) -> {
            if (c.test(e)) {
                rows.set(r);
            }
        });
        return rows;
    }

    /** Visits the rows in {@code rows} by reading the files again, decoding what {@code projection} keeps. */
    private void reread(Projection projection, BitSet rows, RowVisitor visitor) throws CommandException {
        EnvelopeDecoder decoder = new EnvelopeDecoder(projection);
        int[] row = {0};
        try {
            for (int i = 0; i < table.inputs.size(); i++) {
                Input input = table.inputs.get(i);
                InputFormat format = table.format(i);
                boolean complete;
                try {
                    complete = format.documents() ? rereadDocuments(input, format, decoder, rows, row, visitor)
                            : InputLines.read(input, 64L << 20, new AtomicLong(), () -> cancelled,
                                    (data, from, limit, line, offset) -> {
                                        EnvelopeDecoder.Result res = decoder.decodeLine(data, from, limit, input.name(), line);
                                        for (AuditEvent e : res.events()) {
                                            if (rows.get(row[0])) {
                                                visitor.visit(row[0], e);
                                            }
                                            row[0]++;
                                        }
                                        return res.next();
                                    });
                } catch (Input.CutShortException cut) {
                    complete = true;   // cut short: its rows end at the cut, as when it was loaded
                }
                if (!complete) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new CommandException("cannot read the logs again: " + e.getMessage());
        }
    }

    /** The same for an input of documents, read whole again; false when cancelled. */
    private boolean rereadDocuments(Input input, InputFormat format, EnvelopeDecoder decoder, BitSet rows, int[] row,
                                    RowVisitor visitor) throws IOException {
        try (InputStream in = input.open(new AtomicLong())) {
            format.readDocuments(in, input.name(), new io.kaudit.framing.FrameHandler() {
                @Override
                public void value(String path, io.kaudit.event.JsonValue value, long line) {
                    if (cancelled) {
                        throw new java.util.concurrent.CancellationException();
                    }
                    for (AuditEvent e : decoder.decode(value, input.name(), line).events()) {
                        if (rows.get(row[0])) {
                            visitor.visit(row[0], e);
                        }
                        row[0]++;
                    }
                }

                @Override
                public void skipped(String path, long line, String reason) {
                    // counted when the input was loaded; its rows are the values that were read
                }
            });
        } catch (java.util.concurrent.CancellationException e) {
            return false;
        }
        return true;
    }

    @FunctionalInterface
    private interface RowVisitor {
        void visit(int row, AuditEvent event);
    }

    /** The event of {@code row} as compact JSON, read again from its file. */
    private String rawJson(int row) throws CommandException {
        Input input = table.input(row);
        if (table.offset(row) < 0) {   // from documents: read them again up to this row
            BitSet one = new BitSet();
            one.set(row);
            String[] found = new String[1];
            // rendered at once: an event's strings may still point into the reader's buffer
            reread(Projection.ALL, one, (r, e) -> found[0] = JsonWriter.compact(e.root()));
            if (found[0] == null) {
                throw new CommandException("cannot read " + input.name() + ":" + table.line(row) + " again");
            }
            return found[0];
        }
        try (InputStream in = InputLines.open(input, new AtomicLong(), 64L << 20)) {
            in.skipNBytes(table.offset(row));
            byte[] buf = new byte[1 << 16];
            int n = 0;
            while (true) {
                int r = in.read(buf, n, buf.length - n);
                if (r <= 0) {
                    break;
                }
                n += r;
                if (Bytes.indexOfNewline(buf, 0, n) >= 0) {
                    break;
                }
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
            }
            int nl = Bytes.indexOfNewline(buf, 0, n);
            EnvelopeDecoder.Result r = new EnvelopeDecoder(Projection.ALL).decode(buf, 0, nl < 0 ? n : nl, input.name(),
                    table.line(row));
            return JsonWriter.compact(r.events().get(table.item(row)).root());
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new CommandException("cannot read " + input.name() + ":" + table.line(row) + " again: " + e.getMessage());
        }
    }

    private QueryParser.Query compile(String cond) throws CommandException {
        try {
            return rules.queries().compile(cond);
        } catch (ConditionSyntaxException e) {
            throw new CommandException("syntax error at column " + e.column() + ": " + e.getMessage() + "\n  " + cond
                    + "\n  " + " ".repeat(Math.max(0, e.position())) + "^");
        } catch (CompileException e) {
            throw new CommandException(e.getMessage() + "\n  " + cond + "\n  " + " ".repeat(Math.max(0, e.position())) + "^");
        }
    }

    private static ConditionCompiler.Bound bind(String field) throws CommandException {
        try {
            return QueryParser.field(field, new Projection());
        } catch (CompileException e) {
            throw new CommandException(e.getMessage());
        }
    }

    private static Projection projectionOf(String field) throws CommandException {
        Projection p = new Projection();
        try {
            QueryParser.field(field, p);
        } catch (CompileException e) {
            throw new CommandException(e.getMessage());
        }
        return p;
    }

    // ------------------------------------------------------------------ small parsing helpers

    /** Drops a leading "where". */
    private static String where(String rest) {
        String r = rest.strip();
        return r.startsWith("where ") || r.equals("where") ? r.substring(5).strip() : r;
    }

    /**
     * Splits "ARGS sigma: DETECTION" into ARGS and "sigma: DETECTION" (the detection may hold the word
     * where), otherwise as {@link #splitWhere}.
     */
    private static String[] splitSigma(String rest) {
        Matcher s = Pattern.compile("(^|\\s)(where\\s+)?" + SIGMA).matcher(rest);
        if (s.find()) {
            String before = rest.substring(0, s.start());
            if (!Pattern.compile("(^|\\s)where(\\s|$)").matcher(before).find()) {
                return new String[] {before, rest.substring(s.end() - SIGMA.length()).strip()};
            }
        }
        return splitWhere(rest);
    }

    /** Splits "ARGS where COND" into ARGS and COND ("" when absent). */
    private static String[] splitWhere(String rest) {
        Matcher m = Pattern.compile("(^|\\s)where(\\s|$)").matcher(rest);
        if (m.find()) {
            return new String[] {rest.substring(0, m.start()), rest.substring(m.end()).strip()};
        }
        return new String[] {rest, ""};
    }

    private static int parseCount(String w) throws CommandException {
        try {
            int n = Integer.parseInt(w);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message
        }
        throw new CommandException("expected a positive number, got '" + w + "'");
    }

    private static final int MAX_BUCKETS = 100_000;

    /** A bucket's length in nanoseconds: at least one second, at most about 290 years (a long's range). */
    private static long bucket(String s) throws CommandException {
        Matcher m = BUCKET.matcher(s);
        if (!m.matches()) {
            throw new CommandException("bucket must look like 30s, 5m, 1h or 1d, got '" + s + "'");
        }
        long unit = switch (m.group(2)) {
            case "s" -> 1L;
            case "m" -> 60L;
            case "h" -> 3600L;
            default -> 86400L;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n == 0) {
                throw new CommandException("bucket must be at least 1" + m.group(2) + ", got '" + s + "'");
            }
            return Math.multiplyExact(Math.multiplyExact(n, unit), 1_000_000_000L);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandException("bucket '" + s + "' is too long");
        }
    }

    private static long autoBucket(long span) {
        long[] steps = {1, 10, 30, 60, 300, 900, 1800, 3600, 6 * 3600, 86400, 7 * 86400};
        for (long s : steps) {
            if (span / (s * 1_000_000_000L) <= 40) {
                return s * 1_000_000_000L;
            }
        }
        return 30L * 86400 * 1_000_000_000L;
    }

    private static int indexOfBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static String or(String s, String other) {
        return s == null ? other : s;
    }

    private static String clip(String s, int w) {
        s = Terminal.sanitize(s);
        return s.length() > w ? s.substring(0, w - 1) + "…" : s;
    }
}
