package io.kaudit.rule;

import io.kaudit.rule.FalcoReader.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * Loads rule files (Falco's, and Sigma documents among them) in order, then compiles them: the
 * facade over {@link FalcoReader} (YAML to items), {@link Definitions} (append, override,
 * visibility), {@link FalcoCompiler} and the Sigma loader, all compiling into one
 * {@link RuleCompiler}. Every error of a pass is reported, not only the first.
 */
public final class RuleLoader {
    /** The Falco rules engine version whose language kaudit implements. */
    public static final String ENGINE_VERSION = FalcoReader.ENGINE_VERSION;
    public static final String SOURCE = "k8s_audit";

    private final List<String> warnings = new ArrayList<>();
    /** Every error found so far, in order: loading goes on past a bad item so one pass reports them all. */
    private final Set<String> errors = new LinkedHashSet<>();

    /** Sigma documents met in the files, compiled after the Falco rules. */
    private final io.kaudit.rule.sigma.SigmaLoader sigma = new io.kaudit.rule.sigma.SigmaLoader();
    private final Definitions definitions = new Definitions(sigma);

    /** Where the reader's items go. */
    private final FalcoReader.Handler handler = new FalcoReader.Handler() {
        @Override
        public void list(Item item) throws RuleLoadException {
            definitions.list(item);
        }

        @Override
        public void macro(Item item) throws RuleLoadException {
            definitions.macro(item);
        }

        @Override
        public void rule(Item item) throws RuleLoadException {
            definitions.rule(item);
        }

        @Override
        public void sigma(String file, MappingNode doc) {
            sigma.add(file, doc);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }

        @Override
        public void error(String message) {
            errors.add(message);
        }
    };

    /** Sigma field names from a pySigma processing pipeline (call before compile). */
    public RuleLoader sigmaMapping(io.kaudit.rule.sigma.SigmaFields mapping) {
        sigma.mapping(mapping);
        return this;
    }

    /** Loads a file, or every .yaml/.yml file of a folder in name order. */
    public RuleLoader load(Path path) throws RuleLoadException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
                }).sorted().toList();
            } catch (IOException e) {
                throw failed(path + ": cannot read rules folder: " + e.getMessage());
            }
            int before = errors.size();
            for (Path f : files) {
                try {
                    load(f);
                } catch (RuleLoadException e) {
                    // kept; the folder's other files are still read
                }
            }
            if (errors.size() > before) {
                throw new RuleLoadException(new ArrayList<>(errors).subList(before, errors.size()));
            }
            return this;
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw failed(path + ": cannot read rules file: " + io.kaudit.source.Input.reason(e));
        }
        return load(path.toString(), text);
    }

    /** Keeps {@code message} with the other errors (compile() reports them all) and returns it to throw. */
    private RuleLoadException failed(String message) {
        errors.add(message);
        return new RuleLoadException(message);
    }


    /**
     * Loads rules from text; {@code file} names it in messages. A bad item is reported and skipped and
     * the items after it are still read: the exception, thrown at the end, lists every error of this
     * file (they are also kept, and {@link #compile()} reports them again with any of its own).
     */
    public RuleLoader load(String file, String text) throws RuleLoadException {
        int before = errors.size();
        try {
            FalcoReader.read(file, text, handler);
        } catch (RuleLoadException e) {
            errors.addAll(e.errors());
        }
        if (errors.size() > before) {
            throw new RuleLoadException(new ArrayList<>(errors).subList(before, errors.size()));
        }
        return this;
    }

    /** Compiles what was loaded into a rule set of its own. Every macro must resolve; every k8s_audit rule must compile. */
    public RuleSet compile() throws RuleLoadException {
        RuleCompiler compiler = new RuleCompiler();
        compileInto(compiler);
        return compiler.build();
    }

    /**
     * Compiles what was loaded into {@code compiler}, after what other loaders put there: the Falco
     * rules, then the Sigma rules and correlations (which may name the Falco rules).
     */
    public void compileInto(RuleCompiler compiler) throws RuleLoadException {
        new FalcoCompiler(definitions, errors, warnings).compile(compiler);
        if (!sigma.isEmpty()) {
            sigma.compileInto(compiler);
        }
    }
}
