package io.kaudit.rule;

import java.net.InetAddress;

/** The host name put in alerts: $FALCO_HOSTNAME, else $HOSTNAME, else the machine's name. */
public final class Hostname {
    private static volatile String cached;

    private Hostname() {
    }

    public static String get() {
        String h = cached;
        if (h == null) {
            h = System.getenv("FALCO_HOSTNAME");
            if (h == null || h.isEmpty()) {
                h = System.getenv("HOSTNAME");
            }
            if (h == null || h.isEmpty()) {
                try {
                    h = InetAddress.getLocalHost().getHostName();
                } catch (Exception e) {
                    h = "localhost";
                }
            }
            cached = h;
        }
        return h;
    }
}
