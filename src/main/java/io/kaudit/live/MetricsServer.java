package io.kaudit.live;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** {@code GET /metrics} (Prometheus text) and {@code GET /healthz} for a process without an HTTP front door of its own. */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    public MetricsServer(InetSocketAddress address, Supplier<String> metrics) throws IOException {
        server = HttpServer.create(address, 16);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (!exchange.getRequestMethod().equals("GET")) {
                    answer(exchange, 405, "only GET\n");
                } else if (path.equals("/metrics")) {
                    answer(exchange, 200, metrics.get());
                } else if (path.equals("/healthz")) {
                    answer(exchange, 200, "ok\n");
                } else {
                    answer(exchange, 404, "GET /metrics or /healthz\n");
                }
            }
        });
        server.start();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status == 200 && body.startsWith("#")
                ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, b.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(b);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
