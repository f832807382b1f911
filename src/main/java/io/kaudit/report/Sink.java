package io.kaudit.report;

import io.kaudit.engine.Listener;
import io.kaudit.engine.RunStats;
import io.kaudit.rule.Rule;
import java.io.IOException;
import java.util.List;

/**
 * Where alerts go. The pipeline pushes results in input order: {@code begin} once with the rules
 * that will run, {@code alert} and {@code malformed} as they come, {@code finish} once at the end.
 * One implementation per output format.
 */
public interface Sink extends Listener {
    default void begin(List<Rule> rules) throws IOException {
    }

    default void finish(RunStats stats) throws IOException {
    }
}
