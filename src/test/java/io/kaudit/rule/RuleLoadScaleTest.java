package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.bench.RulesGenerator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rule-set start-up grows linearly with the rules (issue #20, point 10): every condition used to be
 * searched for every list, so 10 MB of rules took minutes; and the YAML of a big file is composed an
 * item at a time, so a file larger than the heap's share for nodes still loads.
 */
class RuleLoadScaleTest {

    @Test
    void fourTimesTheRulesLoadInAboutFourTimesTheWork(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("small.yaml");
        Path big = dir.resolve("big.yaml");
        long smallRules = RulesGenerator.write(small, 1L << 20);
        long bigRules = RulesGenerator.write(big, 4L << 20);
        load(small); // warm-up
        long a = cpu(small, smallRules);
        long b = cpu(big, bigRules);
        // linear: ~4x; the quadratic loader measured ~16x in the same process
        assertTrue(b < 8 * a, "1 MiB of rules took " + a / 1_000_000 + " ms of CPU, 4 MiB " + b / 1_000_000 + " ms");
    }

    private static long cpu(Path file, long expectedRules) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            RuleSet set = load(file);
            best = Math.min(best, mx.getCurrentThreadCpuTime() - t0);
            assertEquals(expectedRules, set.rules().size());
        }
        return best;
    }

    private static RuleSet load(Path file) throws Exception {
        return new RuleLoader().load(file).compile();
    }

    @Test
    void listsAreExpandedAsWhenEveryListIsTriedInOrder() {
        List<ListExpander.Named> lists = List.of(
                new ListExpander.Named("a", List.of("b", "x")),
                new ListExpander.Named("b", List.of("y", "z")),
                new ListExpander.Named("c d", List.of("q")),
                new ListExpander.Named("e", List.of()),
                new ListExpander.Named("f", List.of("a")));
        String[] conditions = {"ka.verb in (a)", "x in (f) and y in (b)", "k in (c d, e)", "k in (e, b)",
            "k=a and \"a\" in (ab, a.b, f)", "a", "(e)", "b,a"};
        for (String c : conditions) {
            Set<String> used = new HashSet<>();
            Set<String> usedAll = new HashSet<>();
            String everyList = c;
            for (ListExpander.Named l : lists) {
                String r = ListExpander.substitute(everyList, l);
                if (r != everyList) {
                    usedAll.add(l.name());
                    everyList = r;
                }
            }
            assertEquals(everyList, ListExpander.expand(c, new ListExpander.Index(lists), used), c);
            assertEquals(usedAll, used, c);
        }
    }

    @Test
    void rulesLargerThanTheHeapCouldComposeLoadInASmallHeap(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("many.yaml");
        long count = RulesGenerator.write(rules, 8L << 20);
        Path out = dir.resolve("out.txt");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main",
                "rules", "check", rules.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "rules check did not finish");
        String said = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), said);
        assertTrue(said.contains("ok: " + count + " k8s_audit rules"), said);
    }

    @Test
    void anchorsAcrossItemsStillResolve() throws Exception {
        String text = """
                - list: base
                  items: &names [alice, bob]
                - list: more
                  items: *names
                - rule: r
                  desc: d
                  condition: ka.user.name in (more) and ka.user.name in (base)
                  output: o
                  priority: INFO
                  source: k8s_audit
                """;
        assertTrue(FalcoReader.mayHaveAnchor(text));
        assertTrue(!FalcoReader.mayHaveAnchor("# MITRE ATT&CK\n- list: x\n  items: [a & b]\n"));
        RuleSet set = new RuleLoader().load("anchors.yaml", text).compile();
        assertEquals(1, set.rules().size());
    }
}
