package io.kaudit.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback load client for {@code kaudit serve}: posts a log's events as EventList batches over
 * several connections and reports events/s.
 * {@code java -cp kaudit.jar io.kaudit.bench.PostBatches LOG URL [BATCH] [CONNECTIONS] [MAX_EVENTS]}
 */
public final class PostBatches {
    private PostBatches() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        URI url = URI.create(args[1]);
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 250;
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int max = args.length > 4 ? Integer.parseInt(args[4]) : Integer.MAX_VALUE;
        List<byte[]> bodies = new ArrayList<>();
        int events = 0;
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            StringBuilder sb = null;
            int n = 0;
            for (var it = lines.iterator(); it.hasNext() && events < max; ) {
                if (sb == null) {
                    sb = new StringBuilder("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[");
                }
                sb.append(n > 0 ? "," : "").append(it.next());
                n++;
                events++;
                if (n == batch) {
                    bodies.add(sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
                    sb = null;
                    n = 0;
                }
            }
            if (sb != null) {
                bodies.add(sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            done.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < bodies.size()) {
                    HttpRequest r = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i))).build();
                    try {
                        if (client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "serve: %d events in %d batches of %d over %d connections in %.2fs: %.0f events/s, "
                + "%d failed%n", events, bodies.size(), batch, connections, s, events / s, failures.get());
    }
}
