package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20 point 7: rules a user can tune (local rules, --add-rules, export) and a rules check that tells all. */
class RuleTuningTest {
    @TempDir
    Path dir;

    private static final String SAMPLE = "samples/exec-into-pod.log";
    /** A person the activity trail (off by default, --tag activity) reports. */
    private static final String ACTIVITY = "samples/workload-activity.log";
    private static final String UNEXPECTED = "\"rule\":\"Unexpected User Activity\"";
    /** The README's tuning example: the samples' people are expected. */
    private static final String TUNING = """
            - list: kaudit_expected_users
              items: [alice@example.com, kubernetes-admin]
              override:
                items: append
            """;

    private static long count(String out, String what) {
        return out.lines().filter(l -> l.contains(what)).count();
    }

    @Test
    void addRulesLoadsAfterTheBundledSetAndAfterR() throws Exception {
        Kaudit.Outcome plain = Kaudit.run("scan", "-q", "-f", "jsonl", "--tag", "activity", ACTIVITY);
        assertTrue(count(plain.out(), UNEXPECTED) > 0, plain.out());
        Path tune = dir.resolve("tune.yaml");
        Files.writeString(tune, TUNING);
        Kaudit.Outcome tuned = Kaudit.run("scan", "-q", "-f", "jsonl", "--tag", "activity", "--add-rules", tune.toString(),
                ACTIVITY);
        assertEquals(0, tuned.code(), tuned.err());
        assertEquals(0, count(tuned.out(), UNEXPECTED), tuned.out());
        assertEquals(count(plain.out(), "\"rule\":") - count(plain.out(), UNEXPECTED), count(tuned.out(), "\"rule\":"));

        // after -r: the -r files replace the bundled set, the added file is read after them
        Path base = dir.resolve("base.yaml");
        Files.writeString(base, """
                - list: kaudit_expected_users
                  items: [nobody]
                - rule: Person Acted
                  desc: d
                  condition: ka.verb=get and not ka.user.name in (kaudit_expected_users)
                  output: person %ka.user.name
                  priority: NOTICE
                  source: k8s_audit
                """);
        Kaudit.Outcome r = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", base.toString(), SAMPLE);
        assertTrue(count(r.out(), "Person Acted") > 0, r.out());
        assertEquals(0, count(r.out(), UNEXPECTED), "-r replaces the bundled rules");
        Kaudit.Outcome both = Kaudit.run("scan", "-q", "-f", "jsonl", "-r", base.toString(), "--add-rules",
                tune.toString(), SAMPLE);
        assertEquals(0, both.code(), both.err());
        assertEquals(0, count(both.out(), "Person Acted"), both.out());
        // an added file that does not exist is an error naming it
        Kaudit.Outcome missing = Kaudit.run("scan", "--add-rules", dir.resolve("nope.yaml").toString(), SAMPLE);
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.yaml: cannot read rules file: no such file"), missing.err());
    }

    /** $XDG_CONFIG_HOME/kaudit/rules.d/*.yaml is read after the bundled rules, in name order, but not with -r. */
    @Test
    void localRulesFolderIsReadByDefaultButNotWithR() throws Exception {
        Path rulesD = dir.resolve("config/kaudit/rules.d");
        Files.createDirectories(rulesD);
        Files.writeString(rulesD.resolve("20-users.yaml"), TUNING);
        // read in name order: 10 defines the list 20 appends to... here 30 then disables a rule defined bundled
        Files.writeString(rulesD.resolve("30-quiet.yaml"), "- rule: Port Forward to Pod\n  enabled: false\n");
        Files.writeString(rulesD.resolve("notes.txt"), "not rules");
        Kaudit.Outcome o = process(dir.resolve("config"), "scan", "-q", "-f", "jsonl", SAMPLE);
        assertEquals(0, o.code(), o.err());
        assertEquals(0, count(o.out(), UNEXPECTED), o.out());
        assertEquals(0, count(o.out(), "Port Forward to Pod"), o.out());
        assertTrue(count(o.out(), "Exec or Attach Into Pod") > 0, o.out());

        Kaudit.Outcome check = process(dir.resolve("config"), "rules", "check");
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().contains("local rules: " + rulesD), check.out());

        Path upstream = Shared.require("conformance/falco/rules/k8s_audit_rules.yaml");
        Kaudit.Outcome r = process(dir.resolve("config"), "scan", "-q", "-f", "jsonl", "-r", upstream.toString(), SAMPLE);
        assertEquals(0, r.code(), "with -r the local folder (whose list does not exist upstream) is not read: " + r.err());

        // a broken local file is an error naming it, as any rules file
        Files.writeString(rulesD.resolve("40-bad.yaml"), "- rule: Port Forward to Pod\n  enabled: maybe\n");
        Kaudit.Outcome bad = process(dir.resolve("config"), "scan", "-q", SAMPLE);
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains(rulesD.resolve("40-bad.yaml") + ":2"), bad.err());
    }

    /** Without $XDG_CONFIG_HOME the folder is ~/.config/kaudit/rules.d with ~ from $HOME (not the JVM's user.home). */
    @Test
    void withoutXdgConfigHomeTheLocalFolderIsUnderHome() throws Exception {
        Path home = dir.resolve("home");
        Path rulesD = Files.createDirectories(home.resolve(".config/kaudit/rules.d"));
        Files.writeString(rulesD.resolve("30-quiet.yaml"), "- rule: Port Forward to Pod\n  enabled: false\n");
        Kaudit.Outcome check = process(java.util.Map.of("HOME", home.toString()), "rules", "check");
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().contains("local rules: " + rulesD), check.out());
        Kaudit.Outcome o = process(java.util.Map.of("HOME", home.toString()), "scan", "-q", "-f", "jsonl", SAMPLE);
        assertEquals(0, o.code(), o.err());
        assertEquals(0, count(o.out(), "Port Forward to Pod"), o.out());
        assertTrue(count(o.out(), "Exec or Attach Into Pod") > 0, o.out());
    }

    private static Kaudit.Outcome process(Path xdgConfigHome, String... args) throws Exception {
        return process(java.util.Map.of("XDG_CONFIG_HOME", xdgConfigHome.toString()), args);
    }

    /** Runs kaudit in a child JVM with {@code env} set and $XDG_CONFIG_HOME unset unless {@code env} sets it. */
    private static Kaudit.Outcome process(java.util.Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Kaudit.command(List.of(), args));
        pb.environment().remove("XDG_CONFIG_HOME");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("kaudit-out", ".txt");
        Path err = Files.createTempFile("kaudit-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            p.getOutputStream().close();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return new Kaudit.Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void exportWritesTheBundledFilesAndRefusesToOverwrite() throws Exception {
        Path target = dir.resolve("exported");
        Kaudit.Outcome o = Kaudit.run("rules", "export", target.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(Files.readString(Path.of("rules", "kaudit_rules.yaml")),
                Files.readString(target.resolve("kaudit_rules.yaml")));
        Files.writeString(target.resolve("kaudit_rules.yaml"), "# mine\n");
        Kaudit.Outcome again = Kaudit.run("rules", "export", target.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists"), again.err());
        assertEquals("# mine\n", Files.readString(target.resolve("kaudit_rules.yaml")));
        assertEquals(0, Kaudit.run("rules", "export", "--force", target.toString()).code());
        Kaudit.Outcome list = Kaudit.run("rules", "list", target.toString());
        assertEquals(Kaudit.run("rules", "list").out().replace("(bundled) ", ""), list.out());
    }

    @Test
    void checkReportsEveryErrorWithLinesAndSuggestions() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, String.join("\n",
                "- rule: Bad Priority",                 // 1
                "  desc: d",                            // 2
                "  condition: ka.verb=get",             // 3
                "  output: o",                          // 4
                "  priority: LOUD",                     // 5
                "  source: k8s_audit",                  // 6
                "- rule: Typo In Condition",            // 7
                "  desc: d",                            // 8
                "  condition: ka.usr.name=bob",         // 9
                "  output: o",                          // 10
                "  priority: INFO",                     // 11
                "  source: k8s_audit",                  // 12
                "- rule: Typo In Output",               // 13
                "  desc: d",                            // 14
                "  condition: ka.verb=get",             // 15
                "  priority: INFO",                     // 16
                "  source: k8s_audit",                  // 17
                "  output: >",                          // 18
                "    who %ka.user.nmae did it",         // 19
                "- macro: broken",                      // 20
                "  condition: ka.verb=(",               // 21
                "- rule: Uses Broken",                  // 22
                "  desc: d",                            // 23
                "  condition: broken",                  // 24
                "  output: o",                          // 25
                "  priority: INFO",                     // 26
                "  source: k8s_audit",                  // 27
                ""));
        Kaudit.Outcome o = Kaudit.run("rules", "check", bad.toString());
        assertEquals(2, o.code());
        String err = o.err();
        assertTrue(err.contains(bad + ":1: rule 'Bad Priority'"), err);
        assertTrue(err.contains(bad + ":9: rule 'Typo In Condition': unknown field 'ka.usr.name' (did you mean 'ka.user.name'?)"),
                err);
        assertTrue(err.contains(bad + ":18: rule 'Typo In Output': unknown field '%ka.user.nmae' in output"
                + " (did you mean 'ka.user.name'?)"), err);
        assertTrue(err.contains(bad + ":21: macro 'broken': condition syntax error"), err);
        assertFalse(err.contains("Uses Broken"), "a rule using a broken macro is not a second error: " + err);
        assertTrue(err.contains("4 errors"), err);
    }

    @Test
    void errorsInSeveralFilesAreReportedTogether() throws Exception {
        Path a = dir.resolve("a.yaml");
        Path b = dir.resolve("b.yaml");
        Files.writeString(a, "- rule: A\n  desc: d\n  condition: ka.verb=get\n  output: o\n  priority: INFO\n"
                + "  source: k8s_audit\n  enabled: perhaps\n");
        Files.writeString(b, "- list: l\n  items: [a]\n  append: true\n");
        Kaudit.Outcome o = Kaudit.run("rules", "check", a.toString(), b.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains(a + ":7: expected true or false"), o.err());
        assertTrue(o.err().contains(b + ":1: list 'l': has 'append'"), o.err());
    }

    @Test
    void ruleWithoutSourceIsSkippedWithAWarningNamingIt() throws Exception {
        Path f = dir.resolve("nosource.yaml");
        Files.writeString(f, "- macro: admins\n  condition: ka.user.name=admin\n"
                + "- rule: Forgot Source\n  desc: d\n  condition: admins and ka.verb=delete\n  output: o\n  priority: INFO\n"
                + "- rule: Via Macro Only\n  desc: d\n  condition: admins\n  output: o\n  priority: INFO\n"
                + "- rule: Real Syscall\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n"
                + "- rule: Fine\n  desc: d\n  condition: ka.verb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n");
        Kaudit.Outcome o = Kaudit.run("rules", "check", f.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains(f + ":5: rule 'Forgot Source' has no 'source:'"), o.err());
        assertTrue(o.err().contains(f + ":10: rule 'Via Macro Only' has no 'source:'"), o.err());
        assertFalse(o.err().contains("Real Syscall"), o.err());
    }
}
