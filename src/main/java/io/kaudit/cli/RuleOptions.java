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
        return load(rules, sigmaMapping);
    }

    /** The rules, or null after saying on {@code err} why they are invalid (the caller exits 2). */
    RuleSet loadOrReport(PrintWriter err) {
        return loadOrReport(rules, sigmaMapping, err);
    }

    /** The correlation state of one run over {@code engine}. */
    io.kaudit.engine.Correlator correlator(io.kaudit.engine.Engine engine) {
        return engine.correlator(correlationSlackNanos, maxCorrelationGroups);
    }

    static RuleSet loadOrReport(List<Path> files, PrintWriter err) {
        return loadOrReport(files, null, err);
    }

    static RuleSet loadOrReport(List<Path> files, Path sigmaMapping, PrintWriter err) {
        try {
            return load(files, sigmaMapping);
        } catch (RuleLoadException e) {
            err.println("kaudit: invalid rules: " + e.getMessage());
            err.flush();
            return null;
        }
    }

    /** Loads rule files or folders in order; none means the bundled rules. */
    static RuleSet load(List<Path> files) throws RuleLoadException {
        return load(files, null);
    }

    static RuleSet load(List<Path> files, Path sigmaMapping) throws RuleLoadException {
        RuleLoader loader = new RuleLoader();
        if (sigmaMapping != null) {
            loader.sigmaMapping(io.kaudit.rule.sigma.SigmaFields.load(sigmaMapping));
        }
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
