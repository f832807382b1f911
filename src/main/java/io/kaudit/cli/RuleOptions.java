package io.kaudit.cli;

import io.kaudit.engine.Selection;
import io.kaudit.rule.Priority;
import io.kaudit.rule.RuleLoadException;
import io.kaudit.rule.RuleLoader;
import io.kaudit.rule.RuleSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options every command shares for choosing rules and how they match. */
final class RuleOptions {
    @Option(names = {"-r", "--rules"}, paramLabel = "PATH",
            description = "Rules file or folder of .yaml files (repeatable, loaded in order), replacing the default:"
                    + " the bundled rules, then $XDG_CONFIG_HOME/kaudit/rules.d/*.yaml (~/.config/kaudit/rules.d)"
                    + " in name order.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--add-rules", paramLabel = "FILE",
            description = "Rules file or folder loaded after the others (the default set, or the -r files):"
                    + " appends, overrides, disables (repeatable).")
    List<Path> addRules = new ArrayList<>();

    @Option(names = "--min-priority", paramLabel = "P", converter = Converters.PriorityConverter.class,
            description = "Only run rules at or above P (emergency ... debug).")
    Priority minPriority = Priority.DEBUG;

    @Option(names = "--disable", paramLabel = "RULE", description = "Do not run RULE (repeatable).")
    Set<String> disabled = new LinkedHashSet<>();

    @Option(names = "--tag", paramLabel = "TAG", description = "Only run rules with this tag (repeatable: any of them).")
    Set<String> tags = new LinkedHashSet<>();

    @Option(names = "--rule-matching", paramLabel = "all|first", converter = Converters.MatchingConverter.class,
            description = "all: every matching rule alerts (default); first: only the first in load order, as Falco.")
    Selection.Matching matching = Selection.Matching.ALL;

    @Option(names = "--since", paramLabel = "T", converter = Converters.TimeConverter.class,
            description = "Only events at or after T (RFC 3339, or a duration back from now such as 2h, 30m, 7d).")
    Long since;

    @Option(names = "--until", paramLabel = "T", converter = Converters.TimeConverter.class,
            description = "Only events at or before T (RFC 3339 or a duration back from now).")
    Long until;

    @Option(names = "--sigma-mapping", paramLabel = "FILE",
            description = "Sigma field names: a pySigma processing pipeline with field_name_mapping (and"
                    + " value_placeholders) transformations.")
    Path sigmaMapping;

    @Option(names = "--correlation-slack", paramLabel = "D", converter = Converters.DurationConverter.class,
            description = "How far out of time order events may arrive and still count in correlations (default 5m).")
    Long correlationSlackNanos = 5L * 60 * 1_000_000_000L;

    @Option(names = "--max-correlation-groups", paramLabel = "N",
            description = "Correlation groups kept at most; the oldest are evicted beyond it (default 1000000).")
    int maxCorrelationGroups = 1_000_000;

    RuleSet load() throws RuleLoadException {
        return load(rules, addRules, sigmaMapping);
    }

    /** The rules, or null after saying on {@code err} why they are invalid (the caller exits 2). */
    RuleSet loadOrReport(PrintWriter err) {
        if (since != null && until != null && since > until) {   // a window no event can be in: say so, not "0 alerts"
            err.println("kaudit: --since " + io.kaudit.event.Timestamps.isoUtc(since) + " is after --until "
                    + io.kaudit.event.Timestamps.isoUtc(until) + ": no event could be in that window");
            err.flush();
            return null;
        }
        RuleSet set = loadOrReport(rules, addRules, sigmaMapping, err);
        String unknown = set == null ? null : unknownSelection(set);
        if (unknown != null) {
            err.println("kaudit: " + unknown);
            err.flush();
            return null;
        }
        return set;
    }

    /** A --tag or --disable that names no loaded rule (a usage error: it would select nothing silently), or null. */
    String unknownSelection(RuleSet set) {
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.Set<String> allTags = new java.util.HashSet<>();
        for (io.kaudit.rule.Rule r : set.rules()) {
            names.add(r.name());
            allTags.addAll(r.tags());
        }
        for (RuleSet.SkippedRule r : set.skipped()) {
            names.add(r.name());
            allTags.addAll(r.tags());
        }
        for (String t : tags) {
            if (!allTags.contains(t)) {
                return "--tag " + t + ": no loaded rule has this tag (try: kaudit rules list)";
            }
        }
        for (String d : disabled) {
            if (!names.contains(d)) {
                return "--disable " + d + ": no loaded rule has this name (try: kaudit rules list)";
            }
        }
        return null;
    }

    /** The correlation state of one run over {@code engine}. */
    io.kaudit.engine.Correlator correlator(io.kaudit.engine.Engine engine) {
        return engine.correlator(correlationSlackNanos, maxCorrelationGroups);
    }

    static RuleSet loadOrReport(List<Path> files, PrintWriter err) {
        return loadOrReport(files, List.of(), null, err);
    }

    /** The rules, or null after printing every error found (one per line group) on {@code err}. */
    static RuleSet loadOrReport(List<Path> files, List<Path> added, Path sigmaMapping, PrintWriter err) {
        return loadOrReport(files, added, sigmaMapping, err, false);
    }

    /** The same; {@code warnings}: also print the warnings found on the way to the errors ({@code rules check}). */
    static RuleSet loadOrReport(List<Path> files, List<Path> added, Path sigmaMapping, PrintWriter err, boolean warnings) {
        try {
            return load(files, added, sigmaMapping);
        } catch (RuleLoadException e) {
            if (warnings) {
                e.warnings().forEach(w -> err.println("warning: " + w));
            }
            for (String m : e.errors()) {
                err.println("kaudit: invalid rules: " + m);
            }
            if (e.errors().size() > 1) {
                err.println("kaudit: " + e.errors().size() + " errors in the rules");
            }
            err.flush();
            return null;
        }
    }

    static RuleSet load(List<Path> files) throws RuleLoadException {
        return load(files, List.of(), null);
    }

    /**
     * Loads rule files or folders in order: {@code files}, or when there are none the bundled rules
     * then the local rules folder ({@link #localRulesFolder()}, as Falco reads its rules.d after
     * falco_rules.yaml unless -r names other files); then {@code added}. Every file is read even after
     * an error, so all errors are reported at once. Sigma field names come from {@code sigmaMapping}
     * when it is not null.
     */
    static RuleSet load(List<Path> files, List<Path> added, Path sigmaMapping) throws RuleLoadException {
        RuleLoader loader = new RuleLoader();
        if (sigmaMapping != null) {
            loader.sigmaMapping(io.kaudit.rule.sigma.SigmaFields.load(sigmaMapping));
        }
        List<Path> all = new ArrayList<>();
        if (files.isEmpty()) {
            BundledRules.load(loader);
            Path local = localRulesFolder();
            if (local != null && java.nio.file.Files.isDirectory(local)) {
                all.add(local);
            }
        }
        all.addAll(files);
        all.addAll(added);
        for (Path p : all) {
            try {
                loader.load(p);
            } catch (RuleLoadException e) {
                // kept by the loader: compile() reports it with every other error
            }
        }
        return loader.compile();
    }

    /**
     * {@code $XDG_CONFIG_HOME/kaudit/rules.d} ({@code ~/.config/kaudit/rules.d} when XDG_CONFIG_HOME is
     * unset or not absolute, as the XDG base directory spec says), or null without a home.
     */
    static Path localRulesFolder() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base;
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else {
            Path home = home();   // the XDG default is defined as $HOME/.config
            if (home == null) {
                return null;
            }
            base = home.resolve(".config");
        }
        return base.resolve("kaudit").resolve("rules.d");
    }

    /**
     * The user's home: {@code $HOME}, as the shell's ~ reads it (the JVM's user.home comes from the
     * password database and misses a HOME set for a CI job, sudo or a container), else user.home; null
     * without either.
     */
    static Path home() {
        String home = System.getenv("HOME");
        if (home == null || home.isEmpty() || !Path.of(home).isAbsolute()) {
            home = System.getProperty("user.home");
        }
        return home == null || home.isEmpty() || home.equals("?") ? null : Path.of(home);
    }

    Selection selection() {
        return new Selection(minPriority, Set.copyOf(disabled), Set.copyOf(tags), matching,
                since == null ? Long.MIN_VALUE : since, until == null ? Long.MAX_VALUE : until);
    }
}
