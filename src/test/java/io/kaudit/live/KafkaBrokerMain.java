package io.kaudit.live;

/**
 * A child JVM's main: formats a fresh KRaft log dir, then runs a combined broker and controller on
 * it ({@code server.properties} written by {@link KafkaBroker}). One JVM start instead of two.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {
    }

    public static void main(String[] args) {
        String properties = args[0];
        String clusterId = args[1];
        int formatted = kafka.tools.StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", properties,
            "--ignore-formatted"}, System.out);
        if (formatted != 0) {
            System.err.println("kafka storage format failed: " + formatted);
            System.exit(3);
        }
        kafka.Kafka.main(new String[] {properties});
    }
}
