package io.kaudit.cli;

import io.kaudit.rule.RuleLoader;
import picocli.CommandLine;

/** {@code kaudit --version}. */
public final class Version implements CommandLine.IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"kaudit " + VERSION,
            "Falco rules engine " + RuleLoader.ENGINE_VERSION + ", fields of k8saudit 0.18 and json 0.7",
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
