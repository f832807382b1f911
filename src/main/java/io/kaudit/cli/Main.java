package io.kaudit.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kaudit}: the entry point. Subcommands share the one pipeline; see README. */
@Command(name = "kaudit", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Forensic analyzer for Kubernetes API-server audit logs, speaking Falco's rule language.", ""},
        subcommands = {ScanCommand.class, FollowCommand.class, ServeCommand.class, ReplCommand.class, RulesCommand.class, AutoComplete.GenerateCompletion.class},
        footer = {"", "Examples:",
            "  kaudit scan /var/log/kubernetes/audit/          all logs of a folder, rotated sets in time order",
            "  kaudit scan -f jsonl -o alerts.jsonl audit.log.gz",
            "  kaudit scan --fail-on warning -f sarif -o kaudit.sarif logs/   gate CI, upload to code scanning",
            "  kaudit follow --checkpoint follow.json -f jsonl /var/log/kubernetes/audit/audit.log",
            "  kaudit serve --listen 0.0.0.0:8765 --tls-cert tls.crt --tls-key tls.key --webhook http://sidekick:2801/",
            "  kaudit repl -c 'top ka.user.name where ka.target.resource=secrets' /var/log/kubernetes/audit/",
            "  kaudit rules check my_rules.yaml",
            "  source <(kaudit generate-completion)              bash/zsh completion",
            "", "Exit codes: 0 done, 1 an alert at or above --fail-on, 2 usage error, unreadable input or invalid rules."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
                StandardCharsets.UTF_8));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
                StandardCharsets.UTF_8), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs a command line against the given streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("kaudit: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
