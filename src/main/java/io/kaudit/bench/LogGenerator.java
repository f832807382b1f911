package io.kaudit.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a realistic, seeded audit log of a given size for benchmarks: the background traffic of a
 * busy cluster (leader-election leases, node heartbeats, kubelet pod lists and events, controller
 * reads, RequestResponse pod creations with managedFields, endpoint slice updates) with attack
 * events (the samples' scenarios) mixed in at a fixed rate. Same seed, same bytes.
 *
 * <pre>java -cp kaudit.jar io.kaudit.bench.LogGenerator OUT SIZE_MIB [SEED] [ATTACK_EVERY] [SAMPLES_DIR]</pre>
 *
 * <p>Attack events are the lines of the samples' attack logs (every {@code .log} but busy-cluster).
 */
public final class LogGenerator {
    private static final String[] NODES = {"ip-10-0-1-21.ec2.internal", "ip-10-0-2-37.ec2.internal",
        "ip-10-0-3-44.ec2.internal", "ip-10-0-4-12.ec2.internal", "ip-10-0-5-91.ec2.internal"};
    private static final String[] NAMESPACES = {"payments", "checkout", "search", "monitoring", "ingress-nginx"};
    private static final String KCM_UA = "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350";
    private static final String KUBELET_UA = "kubelet/v1.30.2 (linux/amd64) kubernetes/3968350";

    private final Random random;
    private long nanos = Instant.parse("2026-03-14T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    private final StringBuilder sb = new StringBuilder(16384);
    private final List<String> attacks;
    private final int attackEvery;
    public long events;
    public long attackEvents;

    public LogGenerator(long seed, List<String> attacks, int attackEvery) {
        this.random = new Random(seed);
        this.attacks = attacks;
        this.attackEvery = attackEvery;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: LogGenerator OUT SIZE_MIB [SEED] [ATTACK_EVERY] [SAMPLES_DIR]  (OUT ending .gz is gzipped)");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        long bytes = Long.parseLong(args[1]) << 20;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
        int every = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        Path samples = Path.of(args.length > 4 ? args[4] : "samples");
        LogGenerator g = new LogGenerator(seed, attacks(samples), every);
        try (OutputStream os = open(out)) {
            g.write(os, bytes);
        }
        System.err.printf(Locale.ROOT, "wrote %s: %d events (%d attack events)%n", out, g.events, g.attackEvents);
    }

    /** The attack samples' events, in file order. */
    public static List<String> attacks(Path samples) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(samples)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log") && !name.startsWith("busy") && !name.startsWith("corr-")) {   // correlation samples: see rules/kaudit_correlations.yml
                    out.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(samples + ": no attack samples (*.log) found");
        }
        return out;
    }

    private static OutputStream open(Path out) throws IOException {
        OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
        return out.toString().endsWith(".gz") ? new GZIPOutputStream(os, 1 << 16) : os;
    }

    /** Writes events until {@code bytes} bytes (uncompressed) are written. */
    public void write(OutputStream os, long bytes) throws IOException {
        long written = 0;
        while (written < bytes) {
            String line = next();
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            os.write(b);
            os.write('\n');
            written += b.length + 1;
        }
    }

    /** The next event as one JSON line. */
    public String next() {
        events++;
        nanos += 200_000 + random.nextInt(1_500_000);
        if (attackEvery > 0 && events % attackEvery == 0) {
            attackEvents++;
            return retime(attacks.get((int) (attackEvents % attacks.size())));
        }
        int r = random.nextInt(100);
        if (r < 30) {
            return lease();
        } else if (r < 40) {
            return nodeStatus();
        } else if (r < 52) {
            return kubeletEvent();
        } else if (r < 70) {
            return controllerRead();
        } else if (r < 80) {
            return podList();
        } else if (r < 88) {
            return endpointSlice();
        } else if (r < 94) {
            return configMapGet();
        } else {
            return podCreate();
        }
    }

    private String retime(String attack) {
        String ts = ts(nanos);
        return attack.replaceAll("\"(requestReceivedTimestamp|stageTimestamp)\":\"[^\"]*\"", "\"$1\":\"" + ts + "\"")
                .replaceFirst("\"auditID\":\"[^\"]*\"", "\"auditID\":\"" + uuid() + "\"");
    }

    private String uuid() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private static String ts(long n) {
        Instant i = Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
        String s = i.toString();
        int dot = s.indexOf('.');
        String frac = dot < 0 ? "000000" : (s.substring(dot + 1, s.length() - 1) + "000000").substring(0, 6);
        return (dot < 0 ? s.substring(0, s.length() - 1) : s.substring(0, dot)) + "." + frac + "Z";
    }

    private String node() {
        return NODES[random.nextInt(NODES.length)];
    }

    private String ns() {
        return NAMESPACES[random.nextInt(NAMESPACES.length)];
    }

    private String pod() {
        return "api-7c9f8d6b5-" + Integer.toString(10000 + random.nextInt(89999), 36);
    }

    /** Common head of an event, up to and including "user". */
    private void head(String level, String stage, String uri, String verb, String user, String groups) {
        sb.setLength(0);
        sb.append("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"").append(level)
                .append("\",\"auditID\":\"").append(uuid()).append("\",\"stage\":\"").append(stage)
                .append("\",\"requestURI\":\"").append(uri).append("\",\"verb\":\"").append(verb)
                .append("\",\"user\":{\"username\":\"").append(user).append("\",\"uid\":\"").append(uuid())
                .append("\",\"groups\":[").append(groups).append("]}");
    }

    private String tail(String ip, String ua, String objectRef, int code, String bodies, String reason) {
        long start = nanos - 300_000 - random.nextInt(3_000_000);
        sb.append(",\"sourceIPs\":[\"").append(ip).append("\"],\"userAgent\":\"").append(ua).append('"');
        if (objectRef != null) {
            sb.append(",\"objectRef\":").append(objectRef);
        }
        sb.append(",\"responseStatus\":{\"metadata\":{},\"code\":").append(code).append('}');
        if (bodies != null) {
            sb.append(bodies);
        }
        sb.append(",\"requestReceivedTimestamp\":\"").append(ts(start)).append("\",\"stageTimestamp\":\"")
                .append(ts(nanos)).append("\",\"annotations\":{\"authorization.k8s.io/decision\":\"allow\","
                        + "\"authorization.k8s.io/reason\":\"").append(reason).append("\"}}");
        return sb.toString();
    }

    private static String ref(String resource, String ns, String name, String sub, String group, String version) {
        StringBuilder r = new StringBuilder("{\"resource\":\"").append(resource).append('"');
        if (ns != null) {
            r.append(",\"namespace\":\"").append(ns).append('"');
        }
        if (name != null) {
            r.append(",\"name\":\"").append(name).append('"');
        }
        r.append(",\"apiGroup\":\"").append(group).append("\",\"apiVersion\":\"").append(version).append('"');
        if (sub != null) {
            r.append(",\"subresource\":\"").append(sub).append('"');
        }
        return r.append('}').toString();
    }

    private String lease() {
        boolean scheduler = random.nextInt(3) == 0;
        String node = node();
        boolean kubelet = random.nextBoolean();
        String name = kubelet ? node : scheduler ? "kube-scheduler" : "kube-controller-manager";
        String ns = kubelet ? "kube-node-lease" : "kube-system";
        String user = kubelet ? "system:node:" + node : scheduler ? "system:kube-scheduler" : "system:kube-controller-manager";
        String verb = random.nextBoolean() ? "get" : "update";
        head("Metadata", "ResponseComplete", "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases/" + name + "?timeout=5s",
                verb, user, kubelet ? "\"system:nodes\",\"system:authenticated\"" : "\"system:authenticated\"");
        return tail("10.0.0." + (10 + random.nextInt(3)), kubelet ? KUBELET_UA : KCM_UA + "/leader-election",
                ref("leases", ns, name, null, "coordination.k8s.io", "v1"), 200, null,
                kubelet ? "" : "RBAC: allowed by ClusterRoleBinding \\\"system:" + name + "\\\" of ClusterRole \\\"system:"
                        + name + "\\\" to User \\\"" + user + "\\\"");
    }

    private String nodeStatus() {
        String node = node();
        head("RequestResponse", "ResponseComplete", "/api/v1/nodes/" + node + "/status?timeout=10s", "patch",
                "system:node:" + node, "\"system:nodes\",\"system:authenticated\"");
        String conditions = "[{\"type\":\"MemoryPressure\",\"status\":\"False\",\"lastHeartbeatTime\":\"" + ts(nanos)
                + "\"},{\"type\":\"DiskPressure\",\"status\":\"False\",\"lastHeartbeatTime\":\"" + ts(nanos)
                + "\"},{\"type\":\"PIDPressure\",\"status\":\"False\",\"lastHeartbeatTime\":\"" + ts(nanos)
                + "\"},{\"type\":\"Ready\",\"status\":\"True\",\"lastHeartbeatTime\":\"" + ts(nanos) + "\"}]";
        String managed = managedFields("kubelet", "Update", "status");
        String bodies = ",\"requestObject\":{\"status\":{\"$setElementOrder/conditions\":[{\"type\":\"MemoryPressure\"},"
                + "{\"type\":\"DiskPressure\"},{\"type\":\"PIDPressure\"},{\"type\":\"Ready\"}],\"conditions\":" + conditions
                + "}},\"responseObject\":{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + node
                + "\",\"uid\":\"" + uuid() + "\",\"resourceVersion\":\"" + random.nextInt(9_000_000)
                + "\",\"labels\":{\"kubernetes.io/os\":\"linux\",\"node.kubernetes.io/instance-type\":\"m6i.xlarge\","
                + "\"topology.kubernetes.io/zone\":\"eu-west-1a\"},\"managedFields\":" + managed
                + "},\"spec\":{\"providerID\":\"aws:///eu-west-1a/i-0abc" + random.nextInt(99999) + "\"},\"status\":{"
                + "\"capacity\":{\"cpu\":\"4\",\"memory\":\"16012700Ki\",\"pods\":\"58\"},\"conditions\":" + conditions
                + ",\"nodeInfo\":{\"kubeletVersion\":\"v1.30.2\",\"containerRuntimeVersion\":\"containerd://1.7.13\"}}}";
        return tail("10.0.1." + random.nextInt(250), KUBELET_UA, ref("nodes", null, node, "status", "", "v1"), 200, bodies, "");
    }

    private String managedFields(String manager, String op, String sub) {
        return "[{\"manager\":\"" + manager + "\",\"operation\":\"" + op + "\",\"apiVersion\":\"v1\",\"time\":\""
                + ts(nanos).substring(0, 19) + "Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{"
                + "\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},\"f:lastHeartbeatTime\":{},\"f:status\":{}}}}}"
                + (sub == null ? "" : ",\"subresource\":\"" + sub + "\"") + "}]";
    }

    private String kubeletEvent() {
        String node = node();
        String ns = ns();
        String pod = pod();
        head("Request", "ResponseComplete", "/api/v1/namespaces/" + ns + "/events", "create", "system:node:" + node,
                "\"system:nodes\",\"system:authenticated\"");
        String bodies = ",\"requestObject\":{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + pod + "."
                + Long.toHexString(random.nextLong()) + "\",\"namespace\":\"" + ns + "\"},\"involvedObject\":{\"kind\":\"Pod\","
                + "\"namespace\":\"" + ns + "\",\"name\":\"" + pod + "\",\"apiVersion\":\"v1\",\"fieldPath\":\"spec.containers{api}\"},"
                + "\"reason\":\"Pulled\",\"message\":\"Container image \\\"ghcr.io/example/api:2.4.1\\\" already present on machine\","
                + "\"source\":{\"component\":\"kubelet\",\"host\":\"" + node + "\"},\"count\":1,\"type\":\"Normal\"}";
        return tail("10.0.1." + random.nextInt(250), KUBELET_UA, ref("events", ns, null, null, "", "v1"), 201, bodies, "");
    }

    private String controllerRead() {
        String[][] kinds = {{"replicasets", "apps"}, {"deployments", "apps"}, {"configmaps", ""}, {"serviceaccounts", ""},
            {"endpoints", ""}, {"jobs", "batch"}};
        String[] k = kinds[random.nextInt(kinds.length)];
        String ns = ns();
        boolean watch = random.nextInt(4) == 0;
        String base = k[1].isEmpty() ? "/api/v1" : "/apis/" + k[1] + "/v1";
        head("Metadata", "ResponseComplete", base + "/namespaces/" + ns + "/" + k[0] + (watch
                ? "?allowWatchBookmarks=true\\u0026resourceVersion=" + random.nextInt(9_000_000) + "\\u0026watch=true" : "?limit=500"),
                watch ? "watch" : "list", "system:serviceaccount:kube-system:generic-garbage-collector",
                "\"system:serviceaccounts\",\"system:serviceaccounts:kube-system\",\"system:authenticated\"");
        return tail("10.0.0.10", KCM_UA + "/system:serviceaccount:kube-system:generic-garbage-collector",
                ref(k[0], ns, null, null, k[1], "v1"), 200, null,
                "RBAC: allowed by ClusterRoleBinding \\\"system:controller:generic-garbage-collector\\\"");
    }

    private String podList() {
        String node = node();
        head("Metadata", "ResponseComplete", "/api/v1/pods?fieldSelector=spec.nodeName%3D" + node + "\\u0026limit=500", "list",
                "system:node:" + node, "\"system:nodes\",\"system:authenticated\"");
        return tail("10.0.1." + random.nextInt(250), KUBELET_UA, ref("pods", null, null, null, "", "v1"), 200, null, "");
    }

    private String endpointSlice() {
        String ns = ns();
        String name = "api-" + Integer.toString(random.nextInt(99999), 36);
        head("RequestResponse", "ResponseComplete", "/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices/" + name,
                "update", "system:serviceaccount:kube-system:endpointslice-controller",
                "\"system:serviceaccounts\",\"system:serviceaccounts:kube-system\",\"system:authenticated\"");
        StringBuilder eps = new StringBuilder("[");
        for (int i = 0; i < 3; i++) {
            eps.append(i > 0 ? "," : "").append("{\"addresses\":[\"10.1.").append(random.nextInt(250)).append('.')
                    .append(random.nextInt(250)).append("\"],\"conditions\":{\"ready\":true,\"serving\":true,\"terminating\":false},"
                            + "\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"").append(ns).append("\",\"name\":\"").append(pod())
                    .append("\",\"uid\":\"").append(uuid()).append("\"},\"nodeName\":\"").append(node()).append("\"}");
        }
        eps.append(']');
        String obj = "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + ns + "\",\"labels\":{\"kubernetes.io/service-name\":\"api\"}},\"addressType\":\"IPv4\","
                + "\"endpoints\":" + eps + ",\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}]}";
        return tail("10.0.0.10", KCM_UA + "/system:serviceaccount:kube-system:endpointslice-controller",
                ref("endpointslices", ns, name, null, "discovery.k8s.io", "v1"), 200,
                ",\"requestObject\":" + obj + ",\"responseObject\":" + obj, "RBAC: allowed by ClusterRoleBinding");
    }

    private String configMapGet() {
        String ns = ns();
        String node = node();
        head("Metadata", "ResponseComplete", "/api/v1/namespaces/" + ns + "/configmaps/kube-root-ca.crt", "get",
                "system:node:" + node, "\"system:nodes\",\"system:authenticated\"");
        return tail("10.0.1." + random.nextInt(250), KUBELET_UA, ref("configmaps", ns, "kube-root-ca.crt", null, "", "v1"), 200,
                null, "");
    }

    private String podCreate() {
        String ns = ns();
        String pod = pod();
        head("RequestResponse", "ResponseComplete", "/api/v1/namespaces/" + ns + "/pods", "create",
                "system:serviceaccount:kube-system:replicaset-controller",
                "\"system:serviceaccounts\",\"system:serviceaccounts:kube-system\",\"system:authenticated\"");
        String spec = "{\"volumes\":[{\"name\":\"kube-api-access\",\"projected\":{\"sources\":[{\"serviceAccountToken\":"
                + "{\"expirationSeconds\":3607,\"path\":\"token\"}}],\"defaultMode\":420}}],\"containers\":[{\"name\":\"api\","
                + "\"image\":\"ghcr.io/example/api:2.4.1\",\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],"
                + "\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}},\"securityContext\":{\"allowPrivilegeEscalation\":false,"
                + "\"readOnlyRootFilesystem\":true,\"runAsNonRoot\":true}}],\"restartPolicy\":\"Always\",\"serviceAccountName\":\"api\"}";
        String meta = "{\"name\":\"" + pod + "\",\"generateName\":\"api-7c9f8d6b5-\",\"namespace\":\"" + ns
                + "\",\"labels\":{\"app\":\"api\",\"pod-template-hash\":\"7c9f8d6b5\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
                + "\"kind\":\"ReplicaSet\",\"name\":\"api-7c9f8d6b5\",\"uid\":\"" + uuid() + "\",\"controller\":true}]";
        String bodies = ",\"requestObject\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":" + meta + "},\"spec\":" + spec
                + ",\"status\":{}},\"responseObject\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":" + meta + ",\"uid\":\""
                + uuid() + "\",\"resourceVersion\":\"" + random.nextInt(9_000_000) + "\",\"managedFields\":"
                + managedFields("kube-controller-manager", "Update", null) + "},\"spec\":" + spec
                + ",\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}}";
        return tail("10.0.0.10", KCM_UA + "/system:serviceaccount:kube-system:replicaset-controller",
                ref("pods", ns, pod, null, "", "v1"), 201, bodies, "RBAC: allowed by ClusterRoleBinding");
    }
}
