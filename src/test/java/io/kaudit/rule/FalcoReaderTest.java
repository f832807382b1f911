package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.nodes.MappingNode;

/** The Falco reader alone: positioned items handed on in order, Sigma documents aside, bad items skipped. */
class FalcoReaderTest {
    /** Records what the reader hands on, one line per call. */
    private static final class Recorder implements FalcoReader.Handler {
        final List<String> seen = new ArrayList<>();

        @Override
        public void list(FalcoReader.Item item) throws RuleLoadException {
            seen.add("list " + item.str("list") + " " + item.file() + ":" + item.line() + " " + item.strings("items"));
        }

        @Override
        public void macro(FalcoReader.Item item) throws RuleLoadException {
            seen.add("macro " + item.str("macro") + " condition at line " + item.line("condition"));
        }

        @Override
        public void rule(FalcoReader.Item item) throws RuleLoadException {
            seen.add("rule " + item.str("rule") + " enabled=" + item.bool("enabled"));
        }

        @Override
        public void sigma(String file, MappingNode doc) {
            seen.add("sigma " + file);
        }

        @Override
        public void warning(String message) {
            seen.add("warning " + message);
        }

        @Override
        public void error(String message) {
            seen.add("error " + message);
        }
    }

    @Test
    void itemsArriveInOrderWithTheirPositions() throws Exception {
        Recorder r = new Recorder();
        FalcoReader.read("f.yaml", """
                - required_engine_version: 0.31.0
                - list: l
                  items: [a, "b c"]
                - macro: m
                  condition: >
                    ka.verb = create
                - just: something
                - rule: r
                  enabled: maybe
                - rule: s
                  enabled: off
                - 42
                """, r);
        assertEquals(List.of("list l f.yaml:2 [a, b c]", "macro m condition at line 5",
                "warning f.yaml:7: unknown top level item, ignored",
                "error f.yaml:9: expected true or false, got 'maybe'", "rule s enabled=false",
                "error f.yaml:12: each item must be a mapping"), r.seen);
    }

    @Test
    void sigmaDocumentsAreHandedOnWhole() throws Exception {
        Recorder r = new Recorder();
        FalcoReader.read("s.yml", "title: t\nlogsource: {product: kubernetes, service: audit}\n"
                + "detection: {s: {verb: create}, condition: s}\n---\n- list: l\n  items: []\n", r);
        assertEquals(List.of("sigma s.yml", "list l s.yml:5 []"), r.seen);
    }

    @Test
    void aNewerEngineVersionIsRefused() {
        RuleLoadException e = assertThrows(RuleLoadException.class, () -> new RuleLoader().load("v.yaml",
                "- required_engine_version: 9.0.0\n"));
        assertTrue(e.getMessage().contains("v.yaml:1: rules require engine version 9.0.0 but kaudit implements "
                + FalcoReader.ENGINE_VERSION), e.getMessage());
    }
}
