package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public rule compiler (several loaders into one set), the operator list, field references and slot ownership. */
class RuleCompilerTest {
    /** A fresh event per test (JUnit makes a new instance for each): each is read by that test's sets only. */
    private final AuditEvent POD = ConditionLanguageTest.event(ConditionLanguageTest.POD);

    private static String rule(String name, String condition) {
        return "- rule: " + name + "\n  desc: d\n  condition: " + condition + "\n  output: out %ka.user.name\n"
                + "  priority: WARNING\n  source: k8s_audit\n";
    }

    @Test
    void twoLoadersCompileIntoOneSet() throws Exception {
        RuleLoader falco = new RuleLoader().load("a.yaml", "- macro: creates\n  condition: ka.verb = create\n"
                + rule("A", "creates and ka.target.resource = pods") + rule("B", "ka.user.name = nobody"));
        RuleLoader more = new RuleLoader().load("b.yaml", rule("C", "ka.target.namespace = ns1") + """
                ---
                title: Sigma D
                logsource: {product: kubernetes, service: audit}
                detection:
                    s: {verb: create}
                    condition: s
                ---
                title: Two of A
                correlation:
                    type: event_count
                    rules: [A]
                    group-by: [ka.user.name]
                    timespan: 1m
                    condition: {gte: 2}
                """);
        RuleCompiler compiler = new RuleCompiler();
        falco.compileInto(compiler);
        more.compileInto(compiler);
        RuleSet set = compiler.build();

        assertEquals(List.of("A", "B", "C", "Sigma D", "Two of A"), set.rules().stream().map(Rule::name).toList());
        List<Integer> indexes = set.rules().stream().map(Rule::index).toList();
        for (int i = 1; i < indexes.size(); i++) {
            assertTrue(indexes.get(i) > indexes.get(i - 1), "evaluation order follows the loaders: " + indexes);
        }
        assertEquals(1, set.correlations().size());
        assertEquals(List.of("A"), set.correlations().get(0).rules(), "a correlation of the second loader names a rule of the first");
        for (String name : List.of("A", "C", "Sigma D")) {
            assertTrue(set.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow().condition().test(POD),
                    name);
        }
        assertSame(set.slots(), set.queries().compile("ka.verb = create").slots());
        // queries see the macros of both loaders
        assertTrue(set.queries().compile("creates and ka.target.namespace = ns1").condition().test(POD));
        assertEquals(java.util.Set.of("creates"), set.queries().macroNames());
    }

    @Test
    void aLoaderAloneGivesTheSameSetAsThroughACompiler() throws Exception {
        String text = rule("A", "ka.verb = create") + rule("B", "ka.user.name = Alice");
        RuleSet alone = new RuleLoader().load("a.yaml", text).compile();
        RuleCompiler compiler = new RuleCompiler();
        new RuleLoader().load("a.yaml", text).compileInto(compiler);
        RuleSet through = compiler.build();
        assertEquals(alone.rules().stream().map(r -> r.name() + "@" + r.index()).toList(),
                through.rules().stream().map(r -> r.name() + "@" + r.index()).toList());
        assertEquals(alone.warnings(), through.warnings());
    }

    @Test
    void eachRuleSetOwnsItsSlots() throws Exception {
        String text = rule("A", "ka.verb = create and ka.user.name = Alice and ka.target.namespace = ns1");
        RuleSet first = new RuleLoader().load("a.yaml", text).compile();
        int firstSize = first.slots().size();
        RuleSet second = new RuleLoader().load("a.yaml", text).compile();
        assertTrue(first.slots() != second.slots());
        assertEquals(firstSize, first.slots().size(), "loading again does not grow the first set's table");
        assertEquals(first.slots().size(), second.slots().size());
        assertEquals(first.slots().slotOf("ka.verb"), second.slots().slotOf("ka.verb"));
        int before = first.slots().size();
        first.queries().compile("ka.uri.param[command] = sh");
        assertEquals(before + 1, first.slots().size(), "a query's new field takes a slot of its set");
        assertEquals(before, second.slots().size());
    }

    @Test
    void aQueryResolvesTheRulesMacrosAndNamesUnknownOnes() throws Exception {
        RuleSet set = new RuleLoader().load("a.yaml", "- list: verbs\n  items: [create]\n"
                + "- macro: creates\n  condition: ka.verb in (verbs)\n" + rule("A", "creates")).compile();
        assertEquals(java.util.Set.of("creates"), set.queries().macroNames());
        assertTrue(set.queries().compile("creates and ka.user.name in (Alice, bob)").condition().test(POD));
        assertFalse(set.queries().compile("not creates").condition().test(POD));
        CompileException e = assertThrows(CompileException.class, () -> set.queries().compile("ka.verb = x or nosuch"));
        assertEquals("unknown field or macro 'nosuch'", e.getMessage());
        assertEquals(15, e.position());
    }

    @Test
    void everyOperatorRoundTrips() throws Exception {
        for (Op op : Op.values()) {
            if (op.kind() == Op.Kind.OPAQUE) {
                assertNull(Op.of(op.text()), "not written in conditions: " + op);
                continue;
            }
            assertSame(op, Op.of(op.text()));
            String right = switch (op.kind()) {
                case UNARY -> "";
                case NUMERIC -> " 3";
                case LIST -> " (a, b)";
                default -> " x";
            };
            Ast.Check c = (Ast.Check) ConditionParser.parse("ka.verb " + op.text() + right);
            assertSame(op, c.op(), op.text());
        }
        assertSame(Op.EQ, Op.of("=="));
        assertSame(Op.EQ, ((Ast.Check) ConditionParser.parse("ka.verb == x")).op());
        assertNull(Op.of("like"));
        assertTrue(Op.IN.takesList() && Op.PMATCH.takesList() && Op.INTERSECTS.takesList() && !Op.EQ.takesList());
        // a spelling is tried before any spelling it starts with
        List<Op> order = List.of(Op.values());
        for (Op a : Op.values()) {
            for (Op b : Op.values()) {
                if (a != b && a.kind() == b.kind() && a.text().startsWith(b.text())) {
                    assertTrue(order.indexOf(a) < order.indexOf(b), a + " before " + b);
                }
            }
        }
    }

    @Test
    void fieldReferences() throws Exception {
        assertEquals(new FieldRef("ka.user.name", null), FieldRef.parse("ka.user.name"));
        assertEquals(new FieldRef("ka.req.pod.containers.image", "0"), FieldRef.parse("ka.req.pod.containers.image[0]"));
        assertEquals(new FieldRef("jevt.value", "/user/username"), FieldRef.parse("jevt.value[/user/username]"));
        assertEquals(new FieldRef("jevt.value", "/a[0]/b"), FieldRef.parse("jevt.value[/a[0]/b]"));
        assertEquals(new FieldRef("jevt.value", ""), FieldRef.parse("jevt.value[]"));
        assertEquals(new FieldRef("[0]", null), FieldRef.parse("[0]"), "no name before the bracket: all name");
        assertEquals(new FieldRef("ka.uri.param[command", null), FieldRef.parse("ka.uri.param[command"));
        for (String t : List.of("ka.user.name", "ka.req.pod.containers.image[0]", "jevt.value[/user/username]", "jevt.value[]")) {
            assertEquals(t, FieldRef.parse(t).text());
            assertEquals(t, FieldRef.parse(t).operand(0).text());
        }
        assertEquals("Alice", QueryParser.field("jevt.value[/user/username]", new Projection()).getter().get(POD));
        assertEquals(List.of("registry:5000/team/app:1.2@sha256:abc"),
                QueryParser.field("ka.req.pod.containers.image[0]", new Projection()).getter().get(POD));
        CompileException e = assertThrows(CompileException.class, () -> QueryParser.field("ka.uri.param[command",
                new Projection()));
        assertTrue(e.getMessage().startsWith("unknown field 'ka.uri.param[command'"), e.getMessage());
    }

    /** Compiling a loader again gives the same warnings, not the compile's own twice. */
    @Test
    void aLoaderCompiledTwiceWarnsTheSame() throws Exception {
        RuleLoader loader = new RuleLoader().load("a.yaml", "- macro: unused\n  condition: ka.verb = get\n"
                + rule("A", "ka.verb = create"));
        List<String> first = loader.compile().warnings();
        assertTrue(first.stream().anyMatch(w -> w.contains("macro 'unused' is not used")), first.toString());
        assertEquals(first, loader.compile().warnings());
    }

    @Test
    void anEventReadByTwoSetsInTurnIsReadRightByEach() throws Exception {
        AuditEvent e = ConditionLanguageTest.event(ConditionLanguageTest.POD);
        RuleSet verbFirst = new RuleLoader().load("a.yaml", rule("A", "ka.verb = create and ka.user.name = Alice")).compile();
        RuleSet userFirst = new RuleLoader().load("a.yaml", rule("A", "ka.user.name = Alice and ka.verb = create")).compile();
        assertEquals(verbFirst.slots().slotOf("ka.verb"), userFirst.slots().slotOf("ka.user.name"), "the tables differ");
        for (int i = 0; i < 3; i++) {   // each set claims the event before its rules read it, as Engine.match does
            verbFirst.slots().claim(e.cache());
            assertTrue(verbFirst.rules().get(0).condition().test(e));
            userFirst.slots().claim(e.cache());
            assertTrue(userFirst.rules().get(0).condition().test(e));
        }
    }

    @Test
    void theRewriterKeepsWhatItDoesNotChange() throws Exception {
        Ast.Expr tree = ConditionParser.parse("a and not (b or ka.verb = x)");
        Ast.Expr same = new Ast.Rewriter<RuntimeException>() {
        }.rewrite(tree);
        assertSame(tree, same, "an unchanged tree is the same tree, not a copy");
        Ast.Expr renamed = new Ast.Rewriter<RuntimeException>() {
            @Override
            public Ast.Expr macro(Ast.MacroRef m) {
                return new Ast.MacroRef(m.name() + "2", m.pos());
            }
        }.rewrite(tree);
        List<String> names = new java.util.ArrayList<>();
        Ast.leaves(renamed, x -> names.add(x instanceof Ast.MacroRef m ? m.name() : "check"));
        assertEquals(List.of("a2", "b2", "check"), names);
    }
}
