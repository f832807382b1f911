package io.kaudit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which rules run, and over which events. */
class SelectionTest {
    private static Map<String, Integer> rules(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "scan";
        all[1] = "-q";
        all[2] = "-f";
        all[3] = "jsonl";
        System.arraycopy(args, 0, all, 4, args.length);
        return ScanInputsTest.perRule(Kaudit.run(all));
    }

    @Test
    void minPriorityKeepsOnlySevereRules() {
        Map<String, Integer> warnings = rules("--min-priority", "WARNING", Kaudit.PER_EVENT_SAMPLES);
        assertTrue(warnings.containsKey("Privileged Container Started"));
        assertFalse(warnings.containsKey("Exec or Attach Into Pod"), "Notice is below Warning");
        assertFalse(warnings.containsKey("Unexpected User Activity"));
        assertEquals(Map.of("Container Runtime Socket Mounted", 1, "Secrets Listed Across All Namespaces", 1),
                rules("--min-priority", "critical", Kaudit.PER_EVENT_SAMPLES));
    }

    @Test
    void timeWindowFiltersEvents() {
        Map<String, Integer> all = rules("samples/exec-into-pod.log");
        Map<String, Integer> late = rules("--since", "2026-03-14T09:02:00Z", "samples/exec-into-pod.log");
        Map<String, Integer> early = rules("--until", "2026-03-14T09:02:00Z", "samples/exec-into-pod.log");
        assertFalse(late.containsKey("Interactive Shell Exec Into Pod"), late.toString());
        assertTrue(early.containsKey("Interactive Shell Exec Into Pod"));
        int sum = late.values().stream().mapToInt(Integer::intValue).sum()
                + early.values().stream().mapToInt(Integer::intValue).sum();
        // one exec (started 09:01:06, completed 09:02:06) straddles the boundary: each window holds one of its
        // stages, and once-per-request rules alert on whichever stage they see (issue 20 point 8)
        assertEquals(all.values().stream().mapToInt(Integer::intValue).sum() + 1, sum, "the windows split the alerts");
        assertEquals(all.get("Exec or Attach Into Pod") + 1,
                late.get("Exec or Attach Into Pod") + early.get("Exec or Attach Into Pod"), late + " " + early);
        assertEquals(Map.of(), rules("--since", "1h", Kaudit.PER_EVENT_SAMPLES), "the samples are older than an hour ago");
        assertEquals(2, Kaudit.run("scan", "--since", "yesterday", Kaudit.PER_EVENT_SAMPLES).code());
        // a window that ends before it starts holds nothing whatever the log: a usage error, not "0 alerts"
        for (String cmd : new String[] {"scan", "follow", "serve"}) {
            Kaudit.Outcome o = Kaudit.run(cmd, "--since", "2026-03-15T00:00:00Z", "--until", "2026-03-14T00:00:00Z",
                    cmd.equals("serve") ? "--listen=127.0.0.1:0" : Kaudit.PER_EVENT_SAMPLES);
            assertEquals(2, o.code(), cmd + ": " + o.err());
            assertTrue(o.err().contains("--since 2026-03-15T00:00:00"), o.err());
            assertTrue(o.err().contains("is after --until 2026-03-14T00:00:00"), o.err());
        }
    }

    /** The summary says how many events the window kept and, when none, when the events are from. */
    @Test
    void summaryTellsWhatTheWindowKept() throws Exception {
        java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("samples/exec-into-pod.log"));
        long late = lines.stream().filter(l -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"stageTimestamp\":\"([^\"]+)\"").matcher(l);
            return m.find() && m.group(1).compareTo("2026-03-14T09:02:00") >= 0;
        }).count();
        assertTrue(late > 0 && late < lines.size());
        String err = Kaudit.run("scan", "-f", "jsonl", "--since", "2026-03-14T09:02:00Z", "samples/exec-into-pod.log").err();
        assertTrue(err.contains(lines.size() + " events (" + late + " in the time window) in "), err);
        String none = Kaudit.run("scan", "--since", "1h", "samples/exec-into-pod.log").err();
        assertTrue(none.matches("(?s).*" + lines.size() + " events \\(none in the time window: they span "
                + "2026-03-14T09:00:\\d\\dZ to 2026-03-14T09:04:\\d\\dZ\\) in .*"), none);
        assertFalse(Kaudit.run("scan", "samples/exec-into-pod.log").err().contains("time window"), "no window, no word");
    }

    @Test
    void disableAndTagSelectRules() {
        Map<String, Integer> without = rules("--disable", "Unexpected User Activity", "--disable", "Tracked Object Created",
                Kaudit.PER_EVENT_SAMPLES);
        assertFalse(without.containsKey("Unexpected User Activity"));
        assertFalse(without.containsKey("Tracked Object Created"));
        assertTrue(without.containsKey("Binding to cluster-admin"));
        Map<String, Integer> tagged = rules("--tag", "T1611", Kaudit.PER_EVENT_SAMPLES);
        assertTrue(tagged.containsKey("Privileged Container Started"));
        assertFalse(tagged.containsKey("Binding to cluster-admin"));
    }

    @Test
    void firstMatchGivesOneAlertPerEvent() {
        Map<String, Integer> first = rules("--rule-matching", "first", "samples/exec-into-pod.log");
        assertTrue(first.containsKey("Interactive Shell Exec Into Pod"));
        assertEquals(2, first.get("Exec or Attach Into Pod"),
                "the shell exec is claimed by the earlier, more specific rule; the plain exec and the attach remain");
        assertEquals(3, rules("samples/exec-into-pod.log").get("Exec or Attach Into Pod"));
    }
}
