package io.kaudit.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a large, valid k8s_audit rules file of about a given size, for measuring rule-set
 * start-up: groups of a list, a macro using that list and (past the first 37) one of the first 37 macros, and a rule using the
 * macro, another list and an exception. Deterministic: same size, same bytes.
 *
 * <pre>java -cp kaudit.jar io.kaudit.bench.RulesGenerator OUT SIZE_KIB</pre>
 */
public final class RulesGenerator {
    private RulesGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: RulesGenerator OUT SIZE_KIB");
            System.exit(2);
        }
        long groups = write(Path.of(args[0]), Long.parseLong(args[1]) << 10);
        System.err.println(groups + " groups (list, macro, rule) written to " + args[0]);
    }

    /** Writes groups until the file holds at least {@code bytes}; returns how many groups (each one rule). */
    public static long write(Path out, long bytes) throws IOException {
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
            return write(w, bytes);
        }
    }

    public static long write(Writer w, long bytes) throws IOException {
        StringBuilder sb = new StringBuilder(4096);
        long written = 0;
        long g = 0;
        while (written < bytes) {
            sb.setLength(0);
            group(sb, g);
            w.write(sb.toString());
            written += sb.length();
            g++;
        }
        return g;
    }

    private static void group(StringBuilder sb, long g) {
        sb.append("- list: gen_users_").append(g).append('\n');
        sb.append("  items: [\"system:serviceaccount:ns").append(g).append(":deployer\", admin-").append(g)
                .append(", ops-").append(g).append(", \"ci bot ").append(g).append("\"]\n\n");
        sb.append("- list: gen_namespaces_").append(g).append('\n');
        sb.append("  items: [team-").append(g).append("-a, team-").append(g).append("-b, team-").append(g)
                .append("-c]\n\n");
        sb.append("- macro: gen_by_").append(g).append('\n');
        sb.append("  condition: (ka.user.name in (gen_users_").append(g).append(")");
        if (g >= 37) {
            sb.append(" or gen_by_").append(g % 37); // a macro of the first 37, which use no macro
        }
        sb.append(")\n\n");
        sb.append("- rule: Generated rule ").append(g).append('\n');
        sb.append("  desc: generated rule number ").append(g).append(" for load measurements\n");
        sb.append("  condition: >\n    ka.verb in (create, update, patch) and ka.target.resource=configmaps\n");
        sb.append("    and ka.target.namespace in (gen_namespaces_").append(g).append(") and gen_by_").append(g)
                .append('\n');
        sb.append("  exceptions:\n    - name: known_names\n      fields: [ka.target.name]\n      comps: [startswith]\n");
        sb.append("      values: [[allowed-").append(g).append("]]\n");
        sb.append("  output: generated rule ").append(g).append(" fired (user=%ka.user.name ns=%ka.target.namespace)\n");
        sb.append("  priority: NOTICE\n  source: k8s_audit\n  tags: [generated, T1078]\n\n");
    }
}
