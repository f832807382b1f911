package io.kaudit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The workplace's shared test data beside the project; tests skip where it is absent (a user's clone). */
public final class Shared {
    public static final Path ROOT = Path.of("..", "shared").toAbsolutePath().normalize();
    public static final Path FALCO = ROOT.resolve("conformance/falco");

    private Shared() {
    }

    public static Path require(String relative) {
        Path p = ROOT.resolve(relative);
        assumeTrue(Files.exists(p), "shared test data absent: " + p);
        return p;
    }
}
