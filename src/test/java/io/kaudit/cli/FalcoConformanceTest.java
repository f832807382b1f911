package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of Falco's k8s-audit regression suite (expected.tsv), through {@code kaudit scan -f jsonl},
 * under first-match (Falco's default) and all-match.
 */
class FalcoConformanceTest {
    private static final Pattern RULE = Pattern.compile("\"rule\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TestFactory
    Stream<DynamicTest> expectedTsv() throws IOException {
        Path tsv = Shared.require("conformance/falco/expected.tsv");
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] col = line.split("\t");
            String expectedFirst = col[3];
            String expectedAll = expectedFirst;
            int at = col[4].indexOf("if_rule_matching=all: ");
            if (at >= 0) {
                expectedAll = col[4].substring(at + "if_rule_matching=all: ".length()).split(";")[0].replace('|', ';');
            }
            tests.add(DynamicTest.dynamicTest(col[0] + " [first]", () -> check(col, "first", parse(expectedFirst))));
            String all = expectedAll;
            tests.add(DynamicTest.dynamicTest(col[0] + " [all]", () -> check(col, "all", parse(all))));
        }
        assertEquals(132, tests.size(), "66 cases, two modes each");
        return tests.stream();
    }

    private static void check(String[] col, String mode, Map<String, Integer> expected) {
        List<String> args = new ArrayList<>(List.of("scan", "-q", "-f", "jsonl", "--rule-matching", mode));
        for (String rules : col[2].split(",")) {
            args.add("-r");
            args.add(Shared.FALCO.resolve(rules).toString());
        }
        args.add(Shared.FALCO.resolve(col[1]).toString());
        Kaudit.Outcome o = Kaudit.run(args.toArray(String[]::new));
        // Falco exits 0 on a trace of no audit event; kaudit says so and exits 2 (issue #20.6: no silent success)
        assertEquals(col[4].contains("events=0;") ? 2 : 0, o.code(), o.err());
        Map<String, Integer> got = new TreeMap<>();
        for (String l : o.lines()) {
            Matcher m = RULE.matcher(l);
            if (m.find()) {
                got.merge(m.group(1), 1, Integer::sum);
            }
        }
        assertEquals(expected, got, col[0] + " under " + mode);
    }

    private static Map<String, Integer> parse(String s) {
        Map<String, Integer> m = new TreeMap<>();
        if (!s.equals("none")) {
            for (String kv : s.split(";")) {
                int eq = kv.lastIndexOf('=');
                m.merge(kv.substring(0, eq).trim(), Integer.parseInt(kv.substring(eq + 1).trim()), Integer::sum);
            }
        }
        return m;
    }
}
