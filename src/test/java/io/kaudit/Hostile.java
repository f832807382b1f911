package io.kaudit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.event.JsonWriter;
import java.io.IOException;
import java.util.List;

/** Hostile input for tests: an audit event carrying script, markup and terminal escapes in every string the pages show, and text with bytes no UTF-8 holds. */
public final class Hostile {
    public static final String SCRIPT = "<script>window.__xss=1</script>";
    public static final String IMG = "\"><img src=x onerror=window.__xss=2>";
    public static final String COMMENT = "<!--<b>bold</b>";
    public static final String ANSI = "\u001b[31mred\u001b[0m";
    public static final String ALL = SCRIPT + IMG + COMMENT + ANSI;

    /** Fires on every event and prints every field the page shows. */
    public static final String RULE = """
            - rule: "<i>Hostile</i> rule"
              desc: "<img src=x onerror=window.__xss=3>"
              condition: ka.auditid exists
              output: "user=%ka.user.name ns=%ka.target.namespace res=%ka.target.resource name=%ka.target.name uri=%ka.uri ua=%ka.useragent"
              priority: WARNING
              source: k8s_audit
              tags: ["<i>tag</i>", T1059]
            """;

    /** Alerts on every get with its user agent: where {@link #withBadByte}'s U+FFFD shows in an alert. */
    public static final String AGENT_RULE = """
            - rule: Agent Seen
              desc: every get, with its user agent
              condition: ka.verb = get
              output: agent=%ka.useragent
              priority: WARNING
              source: k8s_audit
            """;

    private Hostile() {
    }

    /** {@code text} in UTF-8 with each '~' made a raw 0xFF byte, which no UTF-8 text holds. */
    public static byte[] withBadByte(String text) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '~') {
                b[i] = (byte) 0xFF;
            }
        }
        return b;
    }

    public static String event() {
        String s = JsonWriter.quote(ALL);
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":" + s
                + ",\"stage\":\"ResponseComplete\",\"requestURI\":" + s + ",\"verb\":" + s
                + ",\"user\":{\"username\":" + s + ",\"groups\":[" + s + "]},\"sourceIPs\":[" + s + "],\"userAgent\":" + s
                + ",\"objectRef\":{\"resource\":" + s + ",\"subresource\":" + s + ",\"namespace\":" + s + ",\"name\":" + s
                + "},\"responseStatus\":{\"code\":200},\"requestReceivedTimestamp\":\"2026-03-14T09:00:00.000000Z\","
                + "\"stageTimestamp\":\"2026-03-14T09:00:00.100000Z\",\"annotations\":{" + s + ":" + s + "}}";
    }

    /** No element or script came from the event, and its strings are on the page as text. */
    public static void assertRenderedAsText(Chromium browser) throws IOException, InterruptedException {
        assertEquals("undefined", browser.text("typeof window.__xss"));
        assertEquals(0, browser.number("document.querySelectorAll('img, b, i').length"));
        // the data elements (the stats as JSON, alerts and events gzipped in base64) and our one script
        assertEquals(List.of("application/json", "application/gzip", "application/gzip", ""),
                browser.strings("[...document.querySelectorAll('script')].map(s => s.type)"));
        String text = browser.text("document.body.innerText");
        for (String s : List.of(SCRIPT, IMG, COMMENT, "[31mred")) {
            assertTrue(text.contains(s), "shown as text: " + s);
        }
        assertTrue(browser.errors.stream().noneMatch(e -> !e.contains("Content Security Policy")), browser.errors.toString());
    }
}
