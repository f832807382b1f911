package io.kaudit.cli;

import io.kaudit.report.WebhookSink;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The webhook options serve and consume share (Falcosidekick and the like), and the sinks they make. */
final class WebhookOptions {
    @Option(names = "--webhook", paramLabel = "URL", description = "Also POST each alert (Falco JSON) here; repeatable.")
    List<URI> webhooks = new ArrayList<>();

    @Option(names = "--webhook-queue", paramLabel = "N",
            description = "Alerts held per webhook (default: ${DEFAULT-VALUE}); beyond it serve drops (counted in /metrics),"
                    + " consume waits (Kafka keeps the records).")
    int webhookQueue = 10_000;

    /**
     * One sink per --webhook.
     *
     * @param blocking wait for room in a full queue rather than drop
     */
    List<WebhookSink> sinks(Consumer<String> log, boolean blocking) {
        List<WebhookSink> hooks = new ArrayList<>();
        for (URI u : webhooks) {
            hooks.add(new WebhookSink(u, webhookQueue, log, blocking));
        }
        return hooks;
    }
}
