package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import io.kaudit.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaudit rules list and check. */
class RulesCommandTest {
    @TempDir
    Path dir;

    @Test
    void listShowsPrioritySourceTagsAndEnabled() {
        Kaudit.Outcome o = Kaudit.run("rules", "list");
        assertEquals(0, o.code());
        assertTrue(o.out().startsWith("RULE"));
        assertTrue(o.out().lines().anyMatch(l -> l.startsWith("Privileged Container Started") && l.contains("Warning")
                && l.contains("k8s_audit") && l.contains("yes") && l.contains("T1611")), o.out());
    }

    @Test
    void checkValidatesUpstreamFilesAndSkipsOtherSources() {
        Path legacy = Shared.require("conformance/falco/rules/legacy/falco_rules.yaml");
        Kaudit.Outcome o = Kaudit.run("rules", "check", legacy.toString(),
                Shared.FALCO.resolve("rules/k8s_audit_rules.yaml").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("ok: 48 k8s_audit rules"), o.out());
        assertTrue(o.out().contains("80 rules of other sources skipped"), o.out());
        assertTrue(o.err().contains("warning: rules of source 'syscall' are skipped"), o.err());
        Kaudit.Outcome list = Kaudit.run("rules", "list", legacy.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.contains("syscall") && l.contains("skipped")));
    }

    /** The shared -r option, as DESIGN gives it for every command: the same as naming the file. */
    @Test
    void rulesAreTakenWithTheSharedOptionToo() throws Exception {
        Path bad = dir.resolve("bad-r.yaml");
        Files.writeString(bad, "- rule: R\n  desc: d\n  condition: ka.nope=1\n  output: o\n  priority: INFO\n"
                + "  source: k8s_audit\n");
        Kaudit.Outcome o = Kaudit.run("rules", "check", "-r", bad.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains(bad + ":3: rule 'R': unknown field 'ka.nope'"), o.err());
        Kaudit.Outcome list = Kaudit.run("rules", "list", "--rules", "rules/kaudit_rules.yaml");
        assertEquals(Kaudit.run("rules", "list", "rules/kaudit_rules.yaml").out(), list.out());
    }

    @Test
    void checkFailsWithFileLineAndItem() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "- macro: m\n  condition: ka.verb=get\n- rule: R\n  desc: d\n  condition: m and ka.nope=1\n"
                + "  output: o\n  priority: INFO\n  source: k8s_audit\n");
        Kaudit.Outcome o = Kaudit.run("rules", "check", bad.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains(bad + ":5: rule 'R': unknown field 'ka.nope'"), o.err());
        Path unused = dir.resolve("unused.yaml");
        Files.writeString(unused, "- list: never\n  items: [a]\n- rule: R\n  desc: d\n  condition: ka.verb=get\n"
                + "  output: o\n  priority: INFO\n  source: k8s_audit\n");
        Kaudit.Outcome w = Kaudit.run("rules", "check", unused.toString());
        assertEquals(0, w.code());
        assertTrue(w.err().contains("list 'never' is not used"), w.err());
        // with an error, the warnings that hold whatever compiles are shown too; "unused" ones are not
        // (the macro m is used only by the broken rule)
        Path both = dir.resolve("both.yaml");
        Files.writeString(both, Files.readString(bad) + "- rule: Looks audit\n  desc: d\n  condition: ka.verb=delete\n"
                + "  output: o\n  priority: INFO\n");
        Kaudit.Outcome b = Kaudit.run("rules", "check", both.toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("warning: " + both + ":11: rule 'Looks audit' has no 'source:'"), b.err());
        assertTrue(b.err().contains(both + ":5: rule 'R': unknown field 'ka.nope'"), b.err());
        assertTrue(!b.err().contains("macro 'm' is not used"), b.err());
        assertTrue(!Kaudit.run("scan", "-r", both.toString(), "samples/privileged-pod.log").err().contains("warning:"),
                "scan shows the errors alone");
    }
}
