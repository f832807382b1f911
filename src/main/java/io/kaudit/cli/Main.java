package io.kaudit.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kaudit}: the entry point. Subcommands share the one pipeline; see README. */
@Command(name = "kaudit", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Forensic analyzer for Kubernetes API-server audit logs, speaking Falco's rule language.", ""},
        footer = {"", "Examples:",
            "  kaudit scan /var/log/kubernetes/audit/          all logs of a folder, rotated sets in time order",
            "  kaudit scan -f jsonl -o alerts.jsonl audit.log.gz",
            "  kaudit scan --fail-on warning -f sarif -o kaudit.sarif logs/   gate CI, upload to code scanning",
            "  kaudit follow --checkpoint follow.json -f jsonl /var/log/kubernetes/audit/audit.log",
            "  kaudit serve --listen 0.0.0.0:8765 --tls-cert tls.crt --tls-key tls.key --webhook http://sidekick:2801/",
            "  kaudit consume --bootstrap kafka:9092 --topic k8s-audit --group kaudit -f jsonl   a Kafka consumer group",
            "  kaudit repl -c 'top ka.user.name where ka.target.resource=secrets' /var/log/kubernetes/audit/",
            "  kaudit rules check my_rules.yaml",
            "  source <(kaudit generate-completion)              bash/zsh completion",
            "", "Exit codes: 0 done, 1 an alert at or above --fail-on, 2 usage error, unreadable input or invalid rules."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new Stdout();
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
                StandardCharsets.UTF_8), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * The process's stdout. A PrintWriter swallows write errors; reports are written to
     * {@link #direct()} instead, where a full disk or a closed pipe throws (see {@link NamedWriter}).
     */
    static final class Stdout extends PrintWriter {
        Stdout() {
            super(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        }

        /** The same stream without the PrintWriter: its errors are thrown. */
        java.io.Writer direct() {
            flush();
            return out;
        }
    }

    /** The subcommands, in the order help lists them. */
    private static final List<String> SUBCOMMANDS = List.of("scan", "follow", "serve", "consume", "repl", "rules",
            "policy", "generate-completion");

    private static Object subcommand(String name) {
        switch (name) {
            case "scan":
                return new ScanCommand();
            case "follow":
                return new FollowCommand();
            case "serve":
                return new ServeCommand();
            case "consume":
                return new ConsumeCommand();
            case "repl":
                return new ReplCommand();
            case "rules":
                return new RulesCommand();
            case "policy":
                return new PolicyCommand();
            default:
                return new AutoComplete.GenerateCompletion();
        }
    }

    /** Runs a command line against the given streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        // Building a command's model is much of start-up: when the first argument names a subcommand
        // (other than completion, which needs them all), only that one is built.
        String first = args.length > 0 ? args[0] : "";
        boolean one = SUBCOMMANDS.contains(first) && !first.equals("generate-completion");
        for (String name : SUBCOMMANDS) {
            if (!one || name.equals(first)) {
                cl.addSubcommand(name, subcommand(name));
            }
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable shown = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;   // a write error
            cmd.getErr().println("kaudit: " + (shown.getMessage() == null ? shown.toString() : shown.getMessage()));
            return 2;
        });
        // a usage error is one line saying what is wrong and where to look, not the whole usage text
        cl.setParameterExceptionHandler((e, badArgs) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + e.getMessage().replace('\n', ' ').trim());
            cmd.getErr().println("try '" + name + " --help'");
            cmd.getErr().flush();
            return 2;
        });
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) {
            completion.getCommandSpec().usageMessage().hidden(false);
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // exit 1 means "an alert was found": running out of memory must not look like that
            err.println("kaudit: out of memory: give the JVM more heap (KAUDIT_JAVA_OPTS=-Xmx2g) or feed it less at once");
            err.flush();
            return 2;
        } catch (StackOverflowError e) {
            err.println("kaudit: input nested too deeply to evaluate (stack overflow)");
            err.flush();
            return 2;
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
