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
            description = "Rules file or folder of .yaml files (repeatable, loaded in order). Default: the bundled rules.")
    List<Path> rules = new ArrayList<>();

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

    RuleSet load() throws RuleLoadException {
        return load(rules);
    }

    /** The rules, or null after saying on {@code err} why they are invalid (the caller exits 2). */
    RuleSet loadOrReport(PrintWriter err) {
        RuleSet set = loadOrReport(rules, err);
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

    static RuleSet loadOrReport(List<Path> files, PrintWriter err) {
        try {
            return load(files);
        } catch (RuleLoadException e) {
            err.println("kaudit: invalid rules: " + e.getMessage());
            err.flush();
            return null;
        }
    }

    /** Loads rule files or folders in order; none means the bundled rules. */
    static RuleSet load(List<Path> files) throws RuleLoadException {
        RuleLoader loader = new RuleLoader();
        if (files.isEmpty()) {
            BundledRules.load(loader);
        }
        for (Path p : files) {
            loader.load(p);
        }
        return loader.compile();
    }

    Selection selection() {
        return new Selection(minPriority, Set.copyOf(disabled), Set.copyOf(tags), matching,
                since == null ? Long.MIN_VALUE : since, until == null ? Long.MAX_VALUE : until);
    }
}
