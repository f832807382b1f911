package io.kaudit.cli;

import io.kaudit.engine.Engine;
import io.kaudit.live.AlertProducer;
import io.kaudit.live.ClientConfig;
import io.kaudit.live.KafkaProgress;
import io.kaudit.live.KafkaSource;
import io.kaudit.live.MetricsServer;
import io.kaudit.run.Consume;
import io.kaudit.run.Run;
import io.kaudit.run.RecordWorkers;
import io.kaudit.report.Sink;
import io.kaudit.report.Tee;
import io.kaudit.report.Terminal;
import io.kaudit.report.WebhookSink;
import io.kaudit.rule.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kaudit consume}: a member of a Kafka consumer group evaluating audit records from topics. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Read audit events from Kafka topics as a member of a consumer group, and raise alerts.",
            "Records: an Event, an EventList or array, Fluent Bit records, NDJSON; compressed batches of any kind.",
            "Records holding no audit event are counted and skipped (--dead-letter-topic keeps them).",
            "Offsets are committed only after the alerts of the records before them were delivered:",
            "at least once across a crash; with --alerts-topic --exactly-once, each alert exactly once there."},
        footer = {"", "Examples:",
            "  kaudit consume --bootstrap kafka-0:9092,kafka-1:9092 --topic k8s-audit --group kaudit -f jsonl",
            "  kaudit consume --bootstrap kafka:9093 --consumer-config client.properties --topic 'audit-.*' \\",
            "                 --group kaudit --alerts-topic k8s-alerts --exactly-once --metrics 0.0.0.0:9464",
            "", "Stops on SIGINT/SIGTERM after delivering and committing what it polled (exit 0)."})
final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    RuleOptions ruleOptions = new RuleOptions();

    @Mixin
    OutputOptions outputOptions = new OutputOptions();

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]", description = "Kafka brokers to start from.")
    String bootstrap;

    @Option(names = "--topic", required = true, paramLabel = "T",
            description = "Topic to read (repeatable), or a regular expression over topic names (any character a topic"
                    + " name cannot hold, such as * or |, makes it one).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--group", required = true, paramLabel = "G", description = "Consumer group: members share the partitions.")
    String group;

    @Option(names = "--alerts-topic", paramLabel = "A", description = "Also write each alert (Falco JSON) to this topic.")
    String alertsTopic;

    @Option(names = "--exactly-once", description = "With --alerts-topic: alerts and offsets in one transaction per poll.")
    boolean exactlyOnce;

    @Option(names = "--dead-letter-topic", paramLabel = "D",
            description = "Forward records that hold no audit event here (headers: kaudit.topic/partition/offset/reason).")
    String deadLetterTopic;

    @Option(names = "--consumer-config", paramLabel = "FILE",
            description = "Kafka client properties (SASL, TLS, client.rack, ...); consumer.* and producer.* keys go to that client only.")
    Path consumerConfig;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve GET /metrics (Prometheus) and /healthz here.")
    String metrics;

    @Mixin
    WebhookOptions webhookOptions = new WebhookOptions();

    @Option(names = "--threads", paramLabel = "N", converter = Converters.ThreadsConverter.class, description = "Evaluation threads (default: one per core).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--exit-at-end", description = "Stop once the assigned partitions are read to their end (batch runs, benchmarks).")
    boolean exitAtEnd;

    @Option(names = "--progress", paramLabel = "SECONDS",
            description = "Print the progress line (rate, alerts, lag per partition) this often; 0: never (default: 10; 1 on a terminal).")
    Integer progressSeconds;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Topic names hold only these: anything else makes --topic a pattern. */
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]+");

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (exactlyOnce && alertsTopic == null) {
            err.println("kaudit: --exactly-once needs --alerts-topic (the alerts are written in the transaction)");
            return 2;
        }
        KafkaSource.Subscription subscription;
        ClientConfig config;
        java.net.InetSocketAddress metricsAddress;
        try {
            subscription = subscription(topics);
            config = ClientConfig.load(consumerConfig, bootstrap, group);
            metricsAddress = metrics == null ? null : ServeCommand.parseListen(metrics);
        } catch (IOException | IllegalArgumentException e) {
            err.println("kaudit: " + e.getMessage());
            return 2;
        }
        for (String[] out : new String[][] {{"--alerts-topic", alertsTopic}, {"--dead-letter-topic", deadLetterTopic}}) {
            if (out[1] != null && subscription.covers(out[1])) {   // what kaudit writes would come back to it as input
                err.println("kaudit: " + out[0] + " " + out[1] + " is also read (" + subscription + "): write to another topic");
                return 2;
            }
        }
        RuleSet rules = ruleOptions.loadOrReport(err);
        if (rules == null) {
            return 2;
        }
        Engine engine = new Engine(rules, ruleOptions.selection());
        Writer out = outputOptions.openLive(spec.commandLine().getOut());
        List<Sink> sinks = new ArrayList<>(List.of(outputOptions.sink(out, true)));
        List<WebhookSink> hooks = webhookOptions.sinks(m -> log(err, m), true);
        sinks.addAll(hooks);
        AlertProducer producer = alertsTopic == null && deadLetterTopic == null ? null
                : new AlertProducer(config.producer(exactlyOnce ? config.transactionalId() : null), alertsTopic,
                deadLetterTopic);
        boolean[] closing = {false};
        if (producer != null) {
            sinks.add(a -> {
                // at the stop, the windows still open are judged: their records' offsets are committed
                // already, and a transactional alerts topic takes nothing outside a transaction
                if (!(closing[0] && producer.transactional())) {
                    producer.alert(a);
                }
            });
        }
        boolean[] failed = {false};
        java.io.Flushable flush = () -> {
            out.flush();
            if (failed[0]) {
                return;   // the webhooks and the producer get their own few seconds as they close
            }
            if (producer != null && !producer.transactional()) {
                producer.flush();   // acknowledged by the brokers (a transaction commits its own)
            }
            for (WebhookSink h : hooks) {
                try {
                    if (!h.awaitDelivered(120_000)) {
                        throw new IOException("webhook " + h.url() + " took no alert for 2 minutes");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while delivering to " + h.url());
                }
            }
        };
        Run run = new Run(engine, Tee.of(sinks), ruleOptions.correlator(engine), flush);
        run.begin();
        KafkaProgress progress = new KafkaProgress(run.stats(), run.stats());
        RecordWorkers workers = new RecordWorkers(run, outputOptions.projection(rules.projection()), threads);
        Consume consume = new Consume(workers, run);
        KafkaSource source = new KafkaSource(config.consumer(exactlyOnce, false),
                config.protocolChosen() ? null : config.consumer(exactlyOnce, true), subscription,
                consume, producer, progress, m -> log(err, m), exitAtEnd);
        MetricsServer metricsServer = null;
        StopHook stop = null;
        Thread progressLine = null;
        int code = 0;
        try {
            source.check(Duration.ofSeconds(60));
            if (metricsAddress != null) {
                metricsServer = new MetricsServer(metricsAddress, progress::metrics);
                log(err, "metrics on http://" + metricsServer.address().getHostString() + ":"
                        + metricsServer.address().getPort() + "/metrics");
            }
            log(err, "consuming " + subscription + " from " + bootstrap + " as group " + group + " ("
                    + engine.activeRules().size() + " rules" + (config.security().equals("PLAINTEXT") ? ""
                    : ", " + config.security()) + (alertsTopic == null ? "" : ", alerts to topic " + alertsTopic
                    + (exactlyOnce ? " exactly once" : " at least once")) + (hooks.isEmpty() ? ""
                    : ", " + hooks.size() + " webhook(s)") + ")");
            stop = new StopHook(source::stop, 30);
            progressLine = progressLine(progress, err);
            source.run();
        } catch (IOException | org.apache.kafka.common.KafkaException e) {
            log(err, e.getMessage());
            failed[0] = true;
            code = 2;
        } finally {
            if (progressLine != null) {
                progressLine.interrupt();
            }
            closing[0] = true;
            try {
                run.finish();   // open windows judged; closes a json/sarif document, writes the summary
            } catch (IOException | RuntimeException e) {
                log(err, "cannot write alerts: " + e.getMessage());
                code = 2;
            }
            workers.close();
            for (WebhookSink h : hooks) {
                h.close(5000);
            }
            if (producer != null) {
                producer.close();
            }
            if (metricsServer != null) {
                metricsServer.close();
            }
            log(err, (code == 0 ? "stopped; " : "failed; ") + progress.summary());
            LogVisibility.line(run.stats()).ifPresent(l -> log(err, l));
            if (outputOptions.output != null) {
                out.close();
            }
            if (stop != null) {
                stop.finished(code);
                stop.close();   // run in-process (tests): leave the JVM alone
            }
        }
        return code;
    }

    /** Topic names as they are, or one pattern: a value with a character no topic name holds is a regular expression. */
    static KafkaSource.Subscription subscription(List<String> values) {
        boolean pattern = values.stream().anyMatch(v -> !TOPIC_NAME.matcher(v).matches());
        if (!pattern) {
            return new KafkaSource.Subscription(List.copyOf(values), null);
        }
        StringBuilder alternatives = new StringBuilder();
        for (String v : values) {
            alternatives.append(alternatives.length() == 0 ? "" : "|")
                    .append(TOPIC_NAME.matcher(v).matches() ? Pattern.quote(v) : "(?:" + v + ")");
        }
        try {
            return new KafkaSource.Subscription(null, Pattern.compile(values.size() == 1 ? values.get(0)
                    : alternatives.toString()));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--topic: not a topic name nor a valid regular expression: " + e.getMessage());
        }
    }

    /** A daemon printing the progress line every few seconds (redrawn in place on a terminal). */
    private Thread progressLine(KafkaProgress progress, PrintWriter err) {
        boolean tty = Terminal.isTerminal(2);
        int every = progressSeconds != null ? progressSeconds : tty ? 1 : 10;
        if (every <= 0) {
            return null;
        }
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(every * 1000L);
                    String line = progress.line();
                    synchronized (err) {
                        if (tty) {
                            err.print("\rkaudit: " + line + "\u001b[K");
                        } else {
                            err.println("kaudit: " + line);
                        }
                        err.flush();
                    }
                }
            } catch (InterruptedException ignored) {
                // stopping
            }
        }, "kaudit-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void log(PrintWriter err, String message) {
        synchronized (err) {
            err.println("kaudit: " + message);
            err.flush();
        }
    }
}
