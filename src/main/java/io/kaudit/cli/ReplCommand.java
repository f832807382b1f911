package io.kaudit.cli;

import io.kaudit.engine.Engine;
import io.kaudit.report.Terminal;
import io.kaudit.repl.Commands;
import io.kaudit.repl.EventTable;
import io.kaudit.repl.Repl;
import io.kaudit.rule.RuleSet;
import io.kaudit.source.Input;
import io.kaudit.source.Inputs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kaudit repl}: ad-hoc questions about audit logs in the rules' condition language. */
@Command(name = "repl", mixinStandardHelpOptions = true,
        description = {"Load audit logs and ask questions in the rules' condition language.",
            "Interactive on a terminal; reads commands from stdin otherwise; -c runs one command."},
        footer = {"", "Examples:", "  kaudit repl /var/log/kubernetes/audit/",
            "  kaudit repl -c 'top ka.user.name where ka.target.resource=secrets' audit.log",
            "  echo 'count ka.verb=delete' | kaudit repl audit.log"})
final class ReplCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "Files, folders, globs ('-' is not supported here).")
    List<String> paths = new ArrayList<>();

    @Mixin
    RuleOptions ruleOptions = new RuleOptions();

    @Option(names = {"-c", "--command"}, paramLabel = "COMMAND", description = "Run one command and exit.")
    String command;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuleSet rules = ruleOptions.loadOrReport(err);
        if (rules == null) {
            return 2;
        }
        Engine engine = new Engine(rules, ruleOptions.selection());
        EventTable table = new EventTable(rules.slots()).correlation(ruleOptions.correlationSlackNanos,
                ruleOptions.maxCorrelationGroups);
        boolean interactive = command == null && Terminal.isTerminal(0) && Terminal.isTerminal(1);
        Repl.Loader loader = (path, to) -> load(List.of(path), table, engine, rules, err);
        if (paths.contains("-")) {
            err.println("kaudit: the repl reads commands from stdin; give log files as paths");
            return 2;
        }
        try {
            if (!paths.isEmpty()) {
                load(paths, table, engine, rules, err);
            }
        } catch (IOException e) {
            err.println("kaudit: " + e.getMessage());
            return 2;
        }
        Commands commands = new Commands(table, rules, engine, out).version(Version.VERSION);
        if (!Terminal.isTerminal(1)) {
            commands.notesTo(err);   // stdout to a pipe or file: `show -j` writes JSON only there
        }
        List<String> macros = new ArrayList<>(new java.util.TreeSet<>(rules.queries().macroNames()));
        Repl repl = new Repl(commands, loader, macros);
        if (command != null) {
            return repl.one(command, out, err);
        }
        if (!interactive) {
            return repl.script(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out, err);
        }
        try (org.jline.terminal.Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            Path home = RuleOptions.home();
            return repl.interactive(terminal, home == null ? null : home.resolve(".kaudit_history"));
        }
    }

    /** Loads logs into the table, with a progress bar on a terminal. */
    static void load(List<String> paths, EventTable table, Engine engine, RuleSet rules, PrintWriter err) throws IOException {
        Inputs.Skipped skipped = new Inputs.Skipped();
        List<Input> inputs = Inputs.expand(paths, FileSystems.getDefault(), skipped);
        skipped.warnings(10).forEach(w -> err.println("kaudit: warning: " + w));
        long total = inputs.stream().mapToLong(Input::size).sum();
        AtomicLong read = new AtomicLong();
        long start = System.nanoTime();
        int before = table.size();
        int alertsBefore = table.alerts().size();
        int incompleteBefore = table.incomplete().size();
        int filesBefore = table.inputCount();
        try (Progress progress = new Progress(err, read, total, Terminal.isTerminal(2))) {
            for (Input in : inputs) {
                if (in.path() == null) {
                    throw new IOException("the repl cannot load stdin");
                }
                table.load(in, engine, rules.projection(), read, () -> false);
            }
        } finally {
            table.settle();
        }
        int events = table.size() - before;
        int alerts = table.alerts().size() - alertsBefore;
        int files = table.inputCount() - filesBefore;
        err.printf("kaudit: loaded %,d event%s from %d file%s in %.1fs, %,d alert%s, %,d malformed line%s%n",
                events, events == 1 ? "" : "s", files, files == 1 ? "" : "s",
                (System.nanoTime() - start) / 1e9, alerts, alerts == 1 ? "" : "s", table.malformed(),
                table.malformed() == 1 ? "" : "s");
        if (skipped.notLogs() > 0) {
            err.printf("kaudit: %,d non-log file%s in folders skipped (.md, .csv, .yaml, ...)%n", skipped.notLogs(),
                    skipped.notLogs() == 1 ? "" : "s");
        }
        if (events == 0) {
            err.println("kaudit: warning: no audit events in " + String.join(", ", paths));
        }
        for (String problem : table.incomplete().subList(incompleteBefore, table.incomplete().size())) {
            err.println("kaudit: " + problem);
        }
        err.flush();
    }
}
