package io.kaudit.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule that fixes none of the fields a policy decides on is probed with every combination of the
 * policy's values: some 100,000 requests against GKE's policy. Verdicts keep their causes, not every
 * probe, so many such rules check under the launcher's 144 MiB heap (keeping every probe, 24 of them
 * ran out of memory there after 30 s of collecting).
 */
class CoverageMemoryTest {

    @Test
    void rulesThatFixNothingCheckInTheLaunchersHeap(@TempDir Path dir) throws Exception {
        Path policy = Shared.require("corpus/policies/gce-gke-configure-helper-audit-policy.yaml");
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            rules.append("- rule: Allowed request ").append(i).append('\n')
                    .append("  desc: any allowed request\n")
                    .append("  condition: ka.auth.decision = allow and ka.user.name != probe").append(i).append('\n')
                    .append("  output: allowed %ka.verb by %ka.user.name\n  priority: INFO\n  source: k8s_audit\n");
        }
        Path file = Files.writeString(dir.resolve("unconstrained.yaml"), rules);
        Path out = dir.resolve("out.txt");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx144m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.kaudit.cli.Main",
                "policy", "check", "-r", file.toString(), policy.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "policy check did not finish");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertFalse(text.contains("out of memory") || text.contains("OutOfMemoryError"), text);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("24 rules checked"), text);
        // each rule's causes come with how many requests share them, counted over every probe
        assertTrue(text.matches("(?s).*\\(\\+\\d{3,} like it\\).*"), text);
    }
}
