package io.kaudit.cli;

import io.kaudit.rule.Rule;
import io.kaudit.rule.RuleSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kaudit rules list|check [FILE...]}, {@code kaudit rules export DIR}. */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "List or validate rule files, or export the bundled ones to tune.",
        subcommands = {RulesCommand.ListRules.class, RulesCommand.CheckRules.class, RulesCommand.ExportRules.class})
final class RulesCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    /** What both subcommands take: rule files or folders (none: the bundled rules). */
    abstract static class WithFiles {
        @Parameters(paramLabel = "FILE", description = "Rule files or folders, loaded in order (default: the bundled"
                + " rules, then the local rules.d folder, as scan reads them).")
        List<Path> files = new ArrayList<>();

        /** As every command takes its rules (the shared option): read before the FILEs. */
        @picocli.CommandLine.Option(names = {"-r", "--rules"}, paramLabel = "PATH",
                description = "A rule file or folder (repeatable), as scan takes it; read before any FILE.")
        List<Path> rules = new ArrayList<>();

        @picocli.CommandLine.Option(names = "--sigma-mapping", paramLabel = "FILE",
                description = "Sigma field names: a pySigma processing pipeline with field_name_mapping transformations.")
        Path sigmaMapping;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        /** The rules, or null after saying why they are invalid ({@code warnings}: and the warnings found on the way). */
        RuleSet load(boolean warnings) {
            return RuleOptions.loadOrReport(paths(), List.of(), sigmaMapping, spec.commandLine().getErr(), warnings);
        }

        /** The -r paths, then the FILEs. */
        List<Path> paths() {
            List<Path> all = new ArrayList<>(rules);
            all.addAll(files);
            return all;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print each rule with priority, source, tags and whether it is enabled (default: bundled rules).")
    static final class ListRules extends WithFiles implements Callable<Integer> {
        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleSet set = load(false);
            if (set == null) {
                return 2;
            }
            int w = 4;
            for (Rule r : set.rules()) {
                w = Math.max(w, r.name().length());
            }
            out.printf("%-" + w + "s  %-13s  %-9s  %-11s  %-7s  %s%n", "RULE", "PRIORITY", "SOURCE", "LANGUAGE",
                    "ENABLED", "TAGS");
            for (Rule r : set.rules()) {
                out.printf("%-" + w + "s  %-13s  %-9s  %-11s  %-7s  %s%n", r.name(), r.priority().falcoName(),
                        r.source(), r.language(), r.enabled() ? "yes" : "no", String.join(",", r.tags()));
            }
            for (RuleSet.SkippedRule r : set.skipped()) {
                out.printf("%-" + w + "s  %-13s  %-9s  %-11s  %-7s  %s%n", r.name(), r.priority().falcoName(),
                        r.source(), "falco", "skipped", String.join(",", r.tags()));
            }
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate rule files: every error with file, line and item, in one pass (exit 2); warn about"
                    + " unused lists and macros and about rules skipped for want of 'source: k8s_audit'.")
    static final class CheckRules extends WithFiles implements Callable<Integer> {
        @Override
        public Integer call() {
            RuleSet set = load(true);
            if (set == null) {
                return 2;
            }
            for (String w : set.warnings()) {
                spec.commandLine().getErr().println("warning: " + w);
            }
            Path local = RuleOptions.localRulesFolder();
            if (paths().isEmpty() && local != null && java.nio.file.Files.isDirectory(local)) {
                spec.commandLine().getOut().println("local rules: " + local);
            }
            long enabled = set.rules().stream().filter(Rule::enabled).count();
            long sigma = set.rules().stream().filter(r -> r.language().equals(Rule.SIGMA)).count();
            long correlations = set.rules().stream().filter(r -> r.language().equals(Rule.CORRELATION)).count();
            spec.commandLine().getOut().printf("ok: %d k8s_audit rules (%d enabled), %d rules of other sources skipped, "
                    + "%d warnings%n", set.rules().size(), enabled, set.skipped().size(), set.warnings().size());
            if (sigma + correlations > 0) {
                spec.commandLine().getOut().printf("of which %d Sigma rules and %d correlation rules%n", sigma,
                        correlations);
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the bundled rule files into DIR (created if needed), to read or to copy from.")
    static final class ExportRules implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Folder to write into.")
        Path dir;

        @picocli.CommandLine.Option(names = "--force", description = "Replace files of the same name.")
        boolean force;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                java.nio.file.Files.createDirectories(dir);
                for (String f : BundledRules.FILES) {
                    Path target = dir.resolve(f);
                    if (java.nio.file.Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
                        err.println("kaudit: " + target + " exists (--force replaces it)");
                        return 2;
                    }
                }
                for (String f : BundledRules.FILES) {
                    Path target = dir.resolve(f);
                    java.nio.file.Files.writeString(target, BundledRules.text(f), java.nio.charset.StandardCharsets.UTF_8);
                    spec.commandLine().getOut().println("wrote " + target);
                }
                return 0;
            } catch (java.io.IOException e) {
                err.println("kaudit: cannot write to " + dir + ": " + (e instanceof java.nio.file.NoSuchFileException
                        ? "no such file or folder " + e.getMessage() : e.getMessage()));
                return 2;
            } catch (io.kaudit.rule.RuleLoadException e) {
                err.println("kaudit: " + e.getMessage());
                return 2;
            }
        }
    }
}
