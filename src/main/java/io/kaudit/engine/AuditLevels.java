package io.kaudit.engine;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Interner;
import io.kaudit.event.JsonObject;
import io.kaudit.rule.Ast;
import io.kaudit.rule.FieldDef;
import io.kaudit.rule.Fields;
import io.kaudit.rule.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a log's audit levels and stages let rules see: the levels and stages its events carry, and
 * the rules that read request or response bodies (which Metadata-level events do not hold). One
 * instance per thread; merge them at the end.
 */
public final class AuditLevels {
    /** The event paths counting needs decoded: add them to a run's projection. */
    public static final List<List<String>> PATHS = List.of(List.of("level"), List.of("stage"));

    private final Map<String, long[]> levels = new HashMap<>();
    private final Map<String, long[]> stages = new HashMap<>();
    /** The last level and stage seen and their counters: nearly every event repeats them (no hashing then). */
    private String lastLevel;
    private long[] lastLevelCount;
    private String lastStage;
    private long[] lastStageCount;

    /**
     * Decodes level and stage once per distinct value (they are a handful), so equals is an identity
     * check; made by the first event counted here (a caller that counts strings brings its own).
     */
    private Interner strings;

    public void count(AuditEvent e) {
        if (strings == null) {
            strings = new Interner();
        }
        JsonObject root = e.root();
        count(strings.text(root.get("level")), strings.text(root.get("stage")));
    }

    /**
     * Counts one event of {@code level} and {@code stage} (either may be null). A repeat of the
     * same String (interned) is an identity check; any other String takes the lookup.
     */
    public void count(String level, String stage) {
        level = level == null ? "(none)" : level;
        if (level != lastLevel) {
            lastLevel = level;
            lastLevelCount = counter(levels, level);
        }
        lastLevelCount[0]++;
        stage = stage == null ? "(none)" : stage;
        if (stage != lastStage) {
            lastStage = stage;
            lastStageCount = counter(stages, stage);
        }
        lastStageCount[0]++;
    }

    private static long[] counter(Map<String, long[]> m, String key) {
        long[] c = m.get(key);
        if (c == null) {
            c = new long[1];
            m.put(key, c);
        }
        return c;
    }

    public void merge(AuditLevels other) {
        other.levels.forEach((k, v) -> counter(levels, k)[0] += v[0]);
        other.stages.forEach((k, v) -> counter(stages, k)[0] += v[0]);
    }

    private static Map<String, Long> sorted(Map<String, long[]> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }

    /** Events by {@code level} ("(none)" for events without one, as legacy or GKE lines). */
    public Map<String, Long> levels() {
        return sorted(levels);
    }

    public Map<String, Long> stages() {
        return sorted(stages);
    }

    /** Events whose level holds the request body (Request or RequestResponse). */
    public long withRequestBody() {
        Map<String, Long> l = levels();
        return l.getOrDefault("Request", 0L) + l.getOrDefault("RequestResponse", 0L);
    }

    /** The rules whose condition reads the request or response object: blind to Metadata events. */
    public static List<Rule> bodyRules(List<Rule> rules) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            if (r.tree() != null && readsBody(r.tree())) {
                out.add(r);
            }
        }
        return out;
    }

    /** The one-line answer to "what could the rules see": empty when every event has its body. */
    public String sentence(List<Rule> rules) {
        long total = levels().values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return "";
        }
        long bodies = withRequestBody();
        int blind = bodyRules(rules).size();
        if (bodies == 0) {
            return String.format("only %s events: %d rule%s that read request bodies could not fire", levelNames(),
                    blind, blind == 1 ? "" : "s");
        }
        if (bodies < total && blind > 0) {
            return String.format("%.0f%% of events carry no request body (%s): %d rule%s that read bodies saw only the rest",
                    100.0 * (total - bodies) / total, levelNames(), blind, blind == 1 ? "" : "s");
        }
        return "";
    }

    private String levelNames() {
        List<String> names = new ArrayList<>();
        levels().forEach((k, v) -> {
            if (!k.equals("Request") && !k.equals("RequestResponse")) {
                names.add(k);
            }
        });
        return String.join(", ", names);
    }

    private static boolean readsBody(Ast.Expr e) {
        List<Ast.FieldOperand> fields = new ArrayList<>();
        Ast.fields(e, fields::add);
        for (Ast.FieldOperand f : fields) {
            FieldDef def = Fields.get(f.name());
            if (def == null) {
                continue;
            }
            for (List<String> path : def.paths().apply(f.arg())) {
                if (!path.isEmpty() && (path.get(0).equals("requestObject") || path.get(0).equals("responseObject"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
