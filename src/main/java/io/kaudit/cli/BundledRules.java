package io.kaudit.cli;

import io.kaudit.rule.RuleLoadException;
import io.kaudit.rule.RuleLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The project's own rule set (rules/ in the repository), shipped inside the jar. */
final class BundledRules {
    static final String[] FILES = {"kaudit_rules.yaml", "kaudit_correlations.yml"};

    private BundledRules() {
    }

    static void load(RuleLoader loader) throws RuleLoadException {
        for (String f : FILES) {
            loader.load("(bundled) " + f, text(f));
        }
    }

    /** The text of bundled file {@code f}, one of {@link #FILES}. */
    static String text(String f) throws RuleLoadException {
        try (InputStream in = BundledRules.class.getResourceAsStream("/kaudit/rules/" + f)) {
            if (in == null) {
                throw new RuleLoadException("bundled rules " + f + " are missing from this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RuleLoadException("cannot read bundled rules " + f + ": " + e.getMessage());
        }
    }
}
