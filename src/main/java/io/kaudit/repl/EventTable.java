package io.kaudit.repl;

import io.kaudit.engine.Alert;
import io.kaudit.engine.Engine;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.FieldCache;
import io.kaudit.event.JsonObject;
import io.kaudit.event.JsonValue;
import io.kaudit.event.Location;
import io.kaudit.event.Projection;
import io.kaudit.framing.FrameHandler;
import io.kaudit.framing.InputFormat;
import io.kaudit.framing.InputLines;
import io.kaudit.rule.CompileException;
import io.kaudit.rule.FieldSlots;
import io.kaudit.rule.Getter;
import io.kaudit.rule.QueryParser;
import io.kaudit.run.LineEvaluator;
import io.kaudit.run.Run;
import io.kaudit.source.Input;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The REPL's view of loaded logs, in bounded memory: per event only its time, where it is (input,
 * byte offset of its line, line number, item) and dictionary-encoded columns of the fields queries
 * use most. Column values come from the same field getters the rules use. Anything else is read
 * again from the files when a query needs it.
 */
public final class EventTable {
    /** Column name and the field references it answers for. */
    public record Column(String name, String... fields) {
    }

    public static final List<Column> COLUMNS = List.of(new Column("user", "ka.user.name"), new Column("verb", "ka.verb"),
            new Column("resource", "ka.target.resource"), new Column("subresource", "ka.target.subresource"),
            new Column("namespace", "ka.target.namespace"), new Column("name", "ka.target.name"),
            new Column("code", "ka.response.code"), new Column("stage", "ka.stage", "jevt.value[/stage]"),
            new Column("decision", "ka.auth.decision"), new Column("uri", "ka.uri"),
            new Column("useragent", "ka.useragent"), new Column("impuser", "ka.impuser.name"),
            new Column("sourceip", "jevt.value[/sourceIPs/0]"), new Column("group", "jevt.value[/objectRef/apiGroup]"));

    /** Field references answered from the time column alone. */
    static final List<String> TIME_FIELDS = List.of("evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime",
            "evt.rawtime", "evt.rawtime.s", "evt.rawtime.ns", "jevt.rawtime", "json.rawtime", "evt.source",
            "evt.pluginname");

    private static final JsonObject EMPTY = new JsonObject(1);

    final List<Input> inputs = new ArrayList<>();
    /** Each input's format, told once at load: re-reads must read it the same way. */
    private final List<InputFormat> formats = new ArrayList<>();
    private final Map<String, Integer> columnOf = new HashMap<>();
    private final Getter[] getters = new Getter[COLUMNS.size()];
    private final Dictionary[] dictionaries = new Dictionary[COLUMNS.size()];
    private int[][] columns = new int[COLUMNS.size()][1024];
    private long[] times = new long[1024];
    private long[] offsets = new long[1024];
    private long[] lines = new long[1024];
    private short[] inputIndex = new short[1024];
    private short[] items = new short[1024];
    private int size;
    private final List<Alert> alerts = new ArrayList<>();
    private final List<Integer> alertRows = new ArrayList<>();
    /** Malformed lines of the loads settled so far (the current load's are in its run). */
    private long malformed;
    /** Lines and bytes of the loads already settled (the current load's are in its run). */
    private long settledLines;
    private long settledBytes;
    /** "NAME: why" for each input not read to its end (its events before that are rows), in load order. */
    private final List<String> incomplete = new ArrayList<>();
    private final Projection projection;
    /** The current load: counts, and correlation state across its inputs, until {@link #settle()}. */
    private Run run;
    /** The row the alerts handed to the run now are kept at. */
    private int keepRow;
    private long correlationSlackNanos = 5L * 60 * 1_000_000_000L;
    private int maxCorrelationGroups = 1_000_000;

    /** Sets the correlation slack (ns) and group cap of later loads. */
    public EventTable correlation(long slackNanos, int maxGroups) {
        this.correlationSlackNanos = slackNanos;
        this.maxCorrelationGroups = maxGroups;
        return this;
    }

    /** Keeps an alert at a row; alerts that come later than their event (correlations) at the latest row. */
    private void keep(Alert a, int row) {
        int at = alertRows.isEmpty() ? row : Math.max(row, alertRows.get(alertRows.size() - 1));
        alerts.add(a.withoutEvent());
        alertRows.add(a.correlation() != null ? Math.max(at, size - 1) : at);
    }

    /** Ends the current load's correlations: buffered events are counted, open windows judged. */
    public void settle() {
        if (run != null) {
            keepRow = size - 1;
            io.kaudit.engine.RunStats ended = run.end();
            malformed += ended.malformed;
            settledLines += ended.lines;
            settledBytes += ended.bytes;
            run = null;
        }
    }

    public EventTable() {
        this(null);
    }

    /** Columns whose values are cached in {@code slots}, the rule set's that loading evaluates. */
    public EventTable(FieldSlots slots) {
        Projection p = new Projection();
        for (int c = 0; c < COLUMNS.size(); c++) {
            dictionaries[c] = new Dictionary();
            for (String f : COLUMNS.get(c).fields()) {
                columnOf.put(f, c);
            }
            try {
                getters[c] = QueryParser.field(COLUMNS.get(c).fields()[0], p, slots).getter();
            } catch (CompileException e) {
                throw new IllegalStateException(e);
            }
        }
        projection = p;
    }

    public int size() {
        return size;
    }

    /** How many inputs were loaded (those of a format kaudit does not read are not). */
    public int inputCount() {
        return inputs.size();
    }

    public long malformed() {
        return malformed + (run == null ? 0 : run.stats().malformed);
    }

    /** Lines read from the inputs, counted as scan counts them (a document input's too). */
    public long lines() {
        return settledLines + (run == null ? 0 : run.stats().lines);
    }

    /** Bytes read from the inputs (after gunzip), as scan counts them. */
    public long bytes() {
        return settledBytes + (run == null ? 0 : run.stats().bytes);
    }

    /** "NAME: why" for each input not read to its end (a gzip cut short, a format not read), in load order. */
    public List<String> incomplete() {
        return incomplete;
    }

    public List<Alert> alerts() {
        return alerts;
    }

    /** The row of each alert, in the same order. */
    public List<Integer> alertRows() {
        return alertRows;
    }

    /** Reads {@code input} whole: its events become rows, its alerts under {@code engine} are kept. */
    public void load(Input input, Engine engine, Projection ruleProjection, AtomicLong read, BooleanSupplier cancelled)
            throws IOException {
        if (inputs.size() >= Short.MAX_VALUE) {
            throw new IOException("too many inputs");
        }
        int index = inputs.size();
        InputFormat format;
        try {
            format = InputFormat.of(input);
        } catch (Input.UnreadableFormatException | Input.CutShortException e) {
            incomplete.add(input.name() + ": " + e.getMessage());   // not loaded; the other inputs are
            return;
        }
        inputs.add(input);
        formats.add(format);
        Projection both = new Projection().merge(ruleProjection).merge(projection);
        if (run == null) {
            run = new Run(engine, a -> keep(a, keepRow), engine.correlator(correlationSlackNanos, maxCorrelationGroups),
                    () -> { });
        }
        LineEvaluator rules = run.evaluator(both);
        try {
            if (format.documents()) {
                loadDocuments(input, format, index, rules, read, cancelled);
            } else {
                loadLines(input, index, rules, read, cancelled);
            }
        } catch (Input.CutShortException cut) {
            incomplete.add(input.name() + ": " + cut.getMessage());   // a gzip copied while being written: what came before is loaded
        }
    }

    private void loadLines(Input input, int index, LineEvaluator rules, AtomicLong read, BooleanSupplier cancelled)
            throws IOException {
        List<Alert> found = new ArrayList<>();
        boolean complete = InputLines.read(input, 64L << 20, read, cancelled, new InputLines.Visitor() {
            @Override
            public int line(byte[] data, int from, int limit, long lineNumber, long offset) {
                int firstRow = size;
                found.clear();
                LineEvaluator.Outcome o = rules.line(data, from, limit, input.name(), lineNumber, found,
                        e -> add(e, index, offset, lineNumber));
                run.read(1, o.next() - from, o.events());
                if (o.problem() != null) {
                    run.malformed(new Location(input.name(), lineNumber, -1), o.problem());
                }
                handOn(found, firstRow);
                return o.next();
            }

            @Override
            public void oversized(long lineNumber) {
                run.read(1, 0, 0);
                run.malformed(new Location(input.name(), lineNumber, -1), "line longer than 64 MiB, skipped");
            }
        });
        if (!complete) {
            throw new IOException("loading cancelled");
        }
    }

    /**
     * Loads an input of JSON or YAML documents (such exports are read whole, in order; rows keep no
     * offset: reading one again means reading the documents again, see {@link #format}).
     */
    private void loadDocuments(Input input, InputFormat format, int index, LineEvaluator rules, AtomicLong read,
                               BooleanSupplier cancelled) throws IOException {
        List<Alert> found = new ArrayList<>();
        try (io.kaudit.source.CountingStream in = new io.kaudit.source.CountingStream(input.open(read))) {
            format.readDocuments(in, input.name(), new FrameHandler() {
                @Override
                public void value(String path, JsonValue value, long line) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException();
                    }
                    int firstRow = size;
                    found.clear();
                    LineEvaluator.Outcome o = rules.value(value, input.name(), line, found, e -> add(e, index, -1, line));
                    run.read(0, 0, o.events());
                    if (o.problem() != null) {
                        run.malformed(new Location(input.name(), line, -1), o.problem());
                    }
                    handOn(found, firstRow);
                }

                @Override
                public void skipped(String path, long line, String reason) {
                    run.malformed(new Location(input.name(), line, -1), reason);
                }
            });
            run.read(in.lines(), in.bytes(), 0);
        } catch (CancellationException e) {
            throw new IOException("loading cancelled");
        }
    }

    /** Hands a line's alerts to the run, each kept at its event's row (the line's first, plus its item index). */
    private void handOn(List<Alert> found, int firstRow) {
        for (Alert a : found) {
            keepRow = firstRow + Math.max(0, a.location().index());
            run.alert(a);
        }
    }

    /** The format input {@code i} was loaded as (documents have no offsets to read again from). */
    public InputFormat format(int i) {
        return formats.get(i);
    }

    private void add(AuditEvent e, int input, long offset, long line) {
        if (size == times.length) {
            int n = size * 2;
            times = Arrays.copyOf(times, n);
            offsets = Arrays.copyOf(offsets, n);
            lines = Arrays.copyOf(lines, n);
            inputIndex = Arrays.copyOf(inputIndex, n);
            items = Arrays.copyOf(items, n);
            for (int c = 0; c < columns.length; c++) {
                columns[c] = Arrays.copyOf(columns[c], n);
            }
        }
        for (int c = 0; c < getters.length; c++) {
            Object v = getters[c].get(e);
            columns[c][size] = v instanceof String s ? dictionaries[c].id(s) : -1;
        }
        times[size] = e.timeNanos();
        offsets[size] = offset;
        lines[size] = line;
        inputIndex[size] = (short) input;
        items[size] = (short) Math.min(Short.MAX_VALUE, e.ordinal());
        size++;
    }

    /** True when every field of a query can be answered from columns (or the time). */
    public boolean covers(Iterable<String> fields) {
        for (String f : fields) {
            if (!columnOf.containsKey(f) && !TIME_FIELDS.contains(f)) {
                return false;
            }
        }
        return true;
    }

    /** The column index answering {@code field}, or -1. */
    public int column(String field) {
        return columnOf.getOrDefault(field, -1);
    }

    public String value(int column, int row) {
        int id = columns[column][row];
        return id < 0 ? null : dictionaries[column].value(id);
    }

    public int valueId(int column, int row) {
        return columns[column][row];
    }

    public String dictionaryValue(int column, int id) {
        return dictionaries[column].value(id);
    }

    public long time(int row) {
        return times[row];
    }

    public long line(int row) {
        return lines[row];
    }

    public long offset(int row) {
        return offsets[row];
    }

    public int item(int row) {
        return items[row];
    }

    public Input input(int row) {
        return inputs.get(inputIndex[row]);
    }

    /**
     * A reusable event whose field cache is filled from a row's columns, for conditions that
     * {@link #covers} answers: no JSON is read.
     */
    final class RowEvent {
        private final FieldCache cache = new FieldCache();
        private final int[] slots;
        private final int[] slotColumns;

        RowEvent(Iterable<String> fields, FieldSlots fieldSlots) {
            List<int[]> pairs = new ArrayList<>();
            for (String f : fields) {
                Integer c = columnOf.get(f);
                if (c != null) {
                    pairs.add(new int[] {fieldSlots.slotOf(f), c});
                }
            }
            slots = new int[pairs.size()];
            slotColumns = new int[pairs.size()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = pairs.get(i)[0];
                slotColumns[i] = pairs.get(i)[1];
            }
        }

        AuditEvent at(int row) {
            for (int i = 0; i < slots.length; i++) {
                int id = columns[slotColumns[i]][row];
                cache.put(slots[i], id < 0 ? FieldCache.ABSENT : dictionaries[slotColumns[i]].value(id));
            }
            return new AuditEvent(EMPTY, times[row], null, 0, cache);
        }
    }

    /** Strings to small ints and back. */
    private static final class Dictionary {
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> values = new ArrayList<>();

        int id(String s) {
            Integer id = ids.get(s);
            if (id == null) {
                id = values.size();
                ids.put(s, id);
                values.add(s);
            }
            return id;
        }

        String value(int id) {
            return values.get(id);
        }
    }
}
