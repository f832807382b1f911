package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.AuditEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule loader's Falco semantics, item by item, and its error messages. */
class RuleLoaderTest {
    private static final AuditEvent POD = ConditionLanguageTest.event(ConditionLanguageTest.POD);

    private static RuleSet load(String... files) throws RuleLoadException {
        RuleLoader loader = new RuleLoader();
        for (int i = 0; i < files.length; i++) {
            loader.load("f" + i + ".yaml", files[i]);
        }
        return loader.compile();
    }

    private static Rule rule(RuleSet set, String name) {
        return set.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static String rule(String name, String condition) {
        return "- rule: " + name + "\n  desc: d\n  condition: " + condition + "\n  output: out %ka.user.name\n"
                + "  priority: WARNING\n  source: k8s_audit\n";
    }

    @Test
    void listsAreSubstitutedAsText() throws Exception {
        RuleSet set = load("- list: verbs\n  items: [create, \"patch it\"]\n- list: more\n  items: [verbs, delete]\n"
                + rule("R", "ka.verb in (more)"));
        assertEquals("ka.verb in ( create, \"patch it\", delete )", rule(set, "R").conditionText());
        assertTrue(rule(set, "R").condition().test(POD));
    }

    @Test
    void listsAreSubstitutedEvenInsideMacrosAndOnlyAtDelimiters() throws Exception {
        RuleSet set = load("- list: verbs\n  items: [create]\n- macro: m\n  condition: ka.verb in (verbs)\n"
                + rule("R", "m and not ka.user.name = verbsx"));
        assertTrue(rule(set, "R").condition().test(POD));
    }

    @Test
    void emptyListEatsAComma() throws Exception {
        RuleSet set = load("- list: none\n  items: []\n" + rule("R", "ka.verb in (create, none)"));
        assertTrue(rule(set, "R").condition().test(POD));
    }

    @Test
    void appendAndOverride() throws Exception {
        RuleSet set = load(
                "- list: users\n  items: [bob]\n- macro: m\n  condition: ka.verb=delete\n" + rule("R", "m")
                        + rule("S", "ka.user.name in (users)"),
                "- list: users\n  items: [Alice]\n  append: true\n"
                        + "- macro: m\n  condition: or ka.verb=create\n  override:\n    condition: append\n"
                        + "- rule: S\n  priority: ERROR\n  override:\n    priority: replace\n");
        assertTrue(rule(set, "R").condition().test(POD));
        assertTrue(rule(set, "S").condition().test(POD));
        assertEquals(Priority.ERROR, rule(set, "S").priority());
    }

    @Test
    void redefinitionKeepsPositionAndEnabledCanBeToggled() throws Exception {
        RuleSet set = load(rule("A", "ka.verb=create") + rule("B", "ka.verb=create"),
                rule("A", "ka.verb=delete") + "- rule: B\n  enabled: false\n");
        assertEquals(List.of("A", "B"), set.rules().stream().map(Rule::name).toList());
        assertFalse(rule(set, "A").condition().test(POD));
        assertFalse(rule(set, "B").enabled());
    }

    @Test
    void exceptionsCompileToAndNot() throws Exception {
        String r = rule("R", "ka.verb=create") + "  exceptions:\n"
                + "    - name: by_user_ns\n      fields: [ka.user.name, ka.target.namespace]\n"
                + "      values:\n        - [Alice, ns1]\n"
                + "    - name: by_verb\n      fields: ka.verb\n      values: [delete]\n";
        RuleSet set = load(r);
        assertEquals("(ka.verb=create) and not ((ka.user.name = Alice and ka.target.namespace = ns1))"
                + " and not (ka.verb in (delete))", rule(set, "R").conditionText());
        assertFalse(rule(set, "R").condition().test(POD));
        RuleSet other = load(r.replace("[Alice, ns1]", "[Alice, ns2]"));
        assertTrue(rule(other, "R").condition().test(POD));
    }

    @Test
    void macrosSeeOnlyEarlierMacrosRulesSeeAll() throws Exception {
        RuleLoadException e = assertThrows(RuleLoadException.class,
                () -> load("- macro: a\n  condition: b\n- macro: b\n  condition: ka.verb=create\n"));
        assertTrue(e.getMessage().contains("f0.yaml:2: macro 'a': undefined macro 'b' used in filter"), e.getMessage());
        RuleSet set = load(rule("R", "late") + "- macro: late\n  condition: ka.verb=create\n");
        assertTrue(rule(set, "R").condition().test(POD));
    }

    @Test
    void rulesOfOtherSourcesAreSkippedButTheirListsStay() throws Exception {
        RuleSet set = load("- list: shells\n  items: [create]\n- macro: spawned\n  condition: evt.type = execve\n"
                + "- rule: Syscall rule\n  desc: d\n  condition: spawned and proc.name in (shells)\n  output: o\n"
                + "  priority: INFO\n" + rule("K", "ka.verb in (shells)"));
        assertEquals(List.of("K"), set.rules().stream().map(Rule::name).toList());
        assertEquals("syscall", set.skipped().get(0).source());
        assertTrue(rule(set, "K").condition().test(POD));
    }

    @Test
    void errorsNameFileLineItemAndProblem() {
        assertError("f0.yaml:3: rule 'R': unknown field 'ka.nope'", rule("R", "ka.nope = 1"));
        assertError("f0.yaml:3: rule 'R': operator 'startswith' is not supported on list field 'ka.user.groups'",
                rule("R", "ka.user.groups startswith x"));
        assertError("f0.yaml:3: rule 'R': undefined macro 'missing'", rule("R", "missing and ka.verb=get"));
        assertError("f0.yaml:3: rule 'R': condition syntax error at column 10: expected a value", rule("R", "ka.verb ="));
        assertError("f0.yaml:1: rule 'R': missing 'priority'", "- rule: R\n  desc: d\n  condition: ka.verb=x\n  output: o\n");
        assertError("f0.yaml:1: rule 'R': unknown priority 'SEVERE'", rule("R", "ka.verb=x").replace("WARNING", "SEVERE"));
        assertError("f0.yaml:1: list 'l': has 'append' but no list by that name", "- list: l\n  items: [a]\n  append: true\n");
        assertError("f0.yaml:2:", "- rule: [unclosed\n  desc: x\n");
        assertError("f0.yaml:1:3: YAML syntax error: Global tag is not allowed", "- !!python/object:os.system {}\n");
        assertError("f0.yaml:1: YAML tag !custom is not allowed", "- !custom {list: a, items: []}\n");
        assertError("rule 'R': unknown field '%ka.nope' in output", rule("R", "ka.verb=x").replace("%ka.user.name", "%ka.nope"));
        assertError("rules require engine version 99", "- required_engine_version: 99\n");
    }

    @Test
    void yamlAliasBombsAreRefused() {
        StringBuilder y = new StringBuilder("- list: a0\n  items: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 80; i++) {
            y.append("- list: a").append(i).append("\n  items: &a").append(i).append(" [*a").append(i - 1)
                    .append(", *a").append(i - 1).append("]\n");
        }
        assertThrows(RuleLoadException.class, () -> load(y.toString()));
    }

    private static void assertError(String expected, String yaml) {
        RuleLoadException e = assertThrows(RuleLoadException.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
