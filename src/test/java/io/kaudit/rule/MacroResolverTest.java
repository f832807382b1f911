package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.AuditEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Macro resolution as Falco does it: what a macro and a rule may see, loops, broken macros, used macros. */
class MacroResolverTest {
    private static final AuditEvent POD = ConditionLanguageTest.event(ConditionLanguageTest.POD);

    private static String rule(String name, String condition) {
        return "- rule: " + name + "\n  desc: d\n  condition: " + condition + "\n  output: out\n"
                + "  priority: WARNING\n  source: k8s_audit\n";
    }

    private static List<String> errors(String text) {
        return assertThrows(RuleLoadException.class, () -> new RuleLoader().load("m.yaml", text).compile()).errors();
    }

    @Test
    void aMacroSeesOnlyEarlierMacrosARuleSeesAll() throws Exception {
        RuleSet set = new RuleLoader().load("m.yaml", rule("R", "late") + "- macro: late\n  condition: ka.verb = create\n")
                .compile();
        assertTrue(set.rules().get(0).condition().test(POD));
        assertEquals(List.of("m.yaml:2: macro 'early': undefined macro 'late' used in filter (it is defined later)\n"
                + "    ka.verb = create and late\n                         ^"),
                errors("- macro: early\n  condition: ka.verb = create and late\n- macro: late\n  condition: ka.verb = x\n"
                        + rule("R", "early")));
    }

    @Test
    void aRedefinitionSeesWhatCameBeforeItAndALoopIsNamed() {
        List<String> e = errors("- macro: a\n  condition: ka.verb = x\n- macro: b\n  condition: a\n"
                + "- macro: a\n  condition: b\n" + rule("R", "a"));
        assertEquals(List.of("m.yaml:6: macro 'a': reference loop through a -> b -> a"), e);
    }

    @Test
    void aBrokenMacroIsReportedOnceNotByEachReferrer() {
        List<String> e = errors("- macro: bad\n  condition: ka.verb = \n" + rule("R", "bad") + rule("S", "bad or ka.verb = x"));
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("m.yaml:2: macro 'bad': condition syntax error"), e.get(0));
    }

    @Test
    void macrosReachedOnlyThroughOthersCountAsUsed() throws Exception {
        RuleSet set = new RuleLoader().load("m.yaml", "- macro: inner\n  condition: ka.verb = create\n"
                + "- macro: outer\n  condition: inner\n- macro: idle\n  condition: ka.verb = x\n"
                + rule("R", "outer") + rule("S", "outer and inner")).compile();
        assertEquals(List.of("m.yaml:6: macro 'idle' is not used by any k8s_audit rule"), set.warnings());
    }
}
