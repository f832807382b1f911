package io.kaudit.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kaudit.engine.Engine;
import io.kaudit.policy.AuditPolicy;
import io.kaudit.policy.Coverage;
import io.kaudit.policy.PolicyException;
import io.kaudit.policy.PolicySuggester;
import io.kaudit.rule.Priority;
import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kaudit policy check|suggest}: what an audit policy lets the rules see. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Check an audit policy against the rules, or suggest one.",
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Suggest.class})
final class PolicyCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The rules that would run (enabled, or selected by --tag), or null after reporting invalid rules. */
    static List<Rule> rules(RuleOptions options, PrintWriter err) {
        RuleSet set = options.loadOrReport(err);
        return set == null ? null : new Engine(set, options.selection()).activeRules();
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Say for every rule whether the events it matches are recorded by POLICY at the level and "
                    + "stages it needs; list blind and partly blind rules with the policy rule that blinds them and "
                    + "a policy rule that would fix it.",
                    "Exit 1 when a rule at or above --fail-on is blind, 2 when the policy or the rules are invalid."})
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "POLICY", description = "The audit Policy file (audit.k8s.io/v1 or v1beta1).")
        Path policyFile;

        @Mixin
        RuleOptions ruleOptions = new RuleOptions();

        @Option(names = "--fail-on", paramLabel = "P", converter = Converters.PriorityConverter.class,
                description = "Exit 1 when a rule at or above priority P is blind (for CI).")
        Priority failOn;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "table or json (default: table).")
        String format = "table";

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!format.equals("table") && !format.equals("json")) {
                err.println("kaudit: policy check: unknown format " + format + " (table, json)");
                return 2;
            }
            AuditPolicy policy;
            try {
                policy = AuditPolicy.read(policyFile);
            } catch (PolicyException e) {
                err.println("kaudit: invalid policy: " + e.getMessage());
                return 2;
            }
            RuleSet set = ruleOptions.loadOrReport(err);
            if (set == null) {
                return 2;
            }
            Engine engine = new Engine(set, ruleOptions.selection());
            Map<String, io.kaudit.rule.sigma.Correlation> correlations = new java.util.HashMap<>();
            engine.correlations().forEach(c -> correlations.put(c.rule().name(), c));
            Coverage coverage = new Coverage(policy);
            List<Coverage.Verdict> verdicts = new ArrayList<>();
            Map<String, Coverage.Verdict> byName = new java.util.HashMap<>();
            for (Rule r : engine.activeRules()) {   // a correlation comes after the rules it counts
                io.kaudit.rule.sigma.Correlation c = correlations.get(r.name());
                Coverage.Verdict v = c == null ? coverage.check(r) : coverage.check(c, byName);
                byName.put(r.name(), v);
                verdicts.add(v);
            }
            if (format.equals("json")) {
                out.println(json(policy, verdicts));
            } else {
                table(out, policy, verdicts);
            }
            out.flush();
            boolean fail = failOn != null && verdicts.stream()
                    .anyMatch(v -> v.status() == Coverage.Status.BLIND && v.rule().priority().atLeast(failOn));
            return fail ? 1 : 0;
        }


        static String describe(AuditPolicy.Request p) {
            if (p.resource() == null) {
                return p.verb() + " " + p.path() + " by " + p.user();
            }
            String res = (p.group() == null || p.group().isEmpty() ? "" : p.group() + "/") + p.resource()
                    + (p.subresource() == null ? "" : "/" + p.subresource());
            return p.verb() + " " + res + (p.namespace() == null ? "" : " in " + p.namespace())
                    + (p.name() == null ? "" : " named " + p.name()) + " by " + p.user()
                    + (p.groups().isEmpty() ? "" : " (" + String.join(",", p.groups()) + ")");
        }

        private static void table(PrintWriter out, AuditPolicy policy, List<Coverage.Verdict> verdicts) {
            long covered = verdicts.stream().filter(v -> v.status() == Coverage.Status.COVERED).count();
            long partly = verdicts.stream().filter(v -> v.status() == Coverage.Status.PARTLY_BLIND).count();
            long blind = verdicts.stream().filter(v -> v.status() == Coverage.Status.BLIND).count();
            out.printf("%s: %d rules checked: %d covered, %d partly blind, %d blind%n", policy.file(), verdicts.size(),
                    covered, partly, blind);
            for (Coverage.Status s : List.of(Coverage.Status.BLIND, Coverage.Status.PARTLY_BLIND)) {
                for (Coverage.Verdict v : verdicts) {
                    if (v.status() != s) {
                        continue;
                    }
                    out.printf("%n%s  %s  %s  (needs %s at %s)%n", s == Coverage.Status.BLIND ? "BLIND" : "PARTLY BLIND",
                            v.rule().priority().falcoName(), v.rule().name(), v.needs(), String.join(", ", v.stages()));
                    int shown = 0;
                    for (Coverage.Cause f : v.causes()) {
                        if (shown++ == 4) {
                            out.printf("    ... and %d more causes%n", v.causes().size() - 4);
                            break;
                        }
                        out.printf("    %s%s: %s, e.g. %s%s%n", policy.file(), f.by() == null ? " (no rule matches)" : ":" + f.by().line(),
                                f.why(), describe(f.example()), f.requests() > 1 ? " (+" + (f.requests() - 1) + " like it)" : "");
                    }
                    int line = v.causes().stream().filter(f -> f.by() != null).mapToInt(f -> f.by().line()).min().orElse(-1);
                    out.println("    suggested policy rule" + (line > 0 ? ", placed before line " + line : ", placed first")
                            + ":");
                    for (String l : v.suggestion().split("\n")) {
                        out.println("      " + l);
                    }
                    if (!java.util.Collections.disjoint(policy.omitStages(), v.stages())) {
                        out.println("      # and the policy-wide omitStages must not list "
                                + String.join(", ", v.stages().stream().filter(policy.omitStages()::contains).toList()));
                    }
                }
            }
        }

        private static String json(AuditPolicy policy, List<Coverage.Verdict> verdicts) throws IOException {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
                g.writeStartObject();
                g.writeStringField("policy", policy.file());
                Map<String, Integer> counts = new LinkedHashMap<>();
                for (Coverage.Status s : Coverage.Status.values()) {
                    counts.put(s.name().toLowerCase(), 0);
                }
                verdicts.forEach(v -> counts.merge(v.status().name().toLowerCase(), 1, Integer::sum));
                g.writeObjectFieldStart("summary");
                for (Map.Entry<String, Integer> e : counts.entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeArrayFieldStart("rules");
                for (Coverage.Verdict v : verdicts) {
                    g.writeStartObject();
                    g.writeStringField("rule", v.rule().name());
                    g.writeStringField("priority", v.rule().priority().falcoName());
                    g.writeStringField("status", v.status().name().toLowerCase());
                    g.writeStringField("needs_level", v.needs().name());
                    g.writeArrayFieldStart("stages");
                    for (String s : v.stages()) {
                        g.writeString(s);
                    }
                    g.writeEndArray();
                    g.writeStringField("rule_location", v.rule().file() + ":" + v.rule().line());
                    g.writeArrayFieldStart("blinded_by");
                    for (Coverage.Cause f : v.causes()) {
                        g.writeStartObject();
                        if (f.by() != null) {
                            g.writeStringField("location", policy.file() + ":" + f.by().line());
                            g.writeStringField("level", f.by().level().name());
                        } else {
                            g.writeNullField("location");
                            g.writeStringField("level", "None");
                        }
                        g.writeStringField("why", f.why());
                        g.writeStringField("example", describe(f.example()));
                        g.writeNumberField("requests", f.requests());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    if (v.suggestion() != null) {
                        g.writeStringField("suggestion", v.suggestion());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return w.toString();
        }
    }

    @Command(name = "suggest", mixinStandardHelpOptions = true,
            description = "Write a minimal audit policy under which every rule sees what it needs (None for noisy "
                    + "read-only traffic, Metadata where no body is read).")
    static final class Suggest implements Callable<Integer> {
        @Mixin
        RuleOptions ruleOptions = new RuleOptions();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            List<Rule> rules = rules(ruleOptions, spec.commandLine().getErr());
            if (rules == null) {
                return 2;
            }
            String text = PolicySuggester.suggest(rules);
            if (output != null) {
                Files.writeString(output, text, StandardCharsets.UTF_8);
            } else {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
