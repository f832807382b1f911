package io.kaudit.report.html;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The page template ({@code page.html}) and the only way to fill it: each slot says what it holds,
 * {@code {{text:NAME}}} (HTML-escaped text), {@code {{asset:FILE}}} (a style or script of ours,
 * from the jar, checked to hold no closing tag) or {@code {{json:NAME}}} (data written through
 * {@link ScriptJson}, which cannot close its script element) or {@code {{gzjson:NAME}}} (the same
 * JSON gzipped and in base64, whose alphabet cannot close anything either: alerts and their
 * events are most of a report's bytes and shrink about 15x, which the page undoes with the
 * browser's own DecompressionStream). Untrusted values never reach the page any other way, so
 * escaping holds by construction.
 */
public final class HtmlPage {
    private static final String BASE = "/io/kaudit/report/html/";

    /** Writes one JSON slot's value. */
    public interface JsonValueWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private sealed interface Part permits Literal, Slot {
    }

    private record Literal(String text) implements Part {
    }

    private record Slot(String kind, String name) implements Part {
    }

    private static volatile HtmlPage page;

    private final List<Part> parts;
    private final Map<String, String> assets = new java.util.HashMap<>();

    private HtmlPage(String template) {
        parts = parse(template);
        for (Part p : parts) {
            if (p instanceof Slot s && s.kind.equals("asset")) {
                assets.put(s.name, checkedAsset(s.name));
            }
        }
    }

    /** The report's page (parsed once). */
    public static HtmlPage get() {
        HtmlPage p = page;
        if (p == null) {
            p = new HtmlPage(resource("page.html"));
            page = p;
        }
        return p;
    }

    /**
     * Writes the page: {@code text} gives the text slots' values, {@code json} the JSON slots'
     * writers (a slot with no value is left empty).
     */
    public void write(Writer out, Map<String, String> text, Map<String, JsonValueWriter> json) throws IOException {
        for (Part p : parts) {
            if (p instanceof Literal l) {
                out.write(l.text);
            } else {
                Slot s = (Slot) p;
                switch (s.kind) {
                    case "text" -> escape(out, text.getOrDefault(s.name, ""));
                    case "asset" -> out.write(assets.get(s.name));
                    case "gzjson" -> gzipped(out, json.getOrDefault(s.name, g -> g.writeNull()));
                    default -> {
                        JsonValueWriter w = json.get(s.name);
                        if (w == null) {
                            out.write("null");
                        } else {
                            JsonGenerator g = ScriptJson.generator(out);
                            w.write(g);
                            g.flush();
                        }
                    }
                }
            }
        }
        out.flush();
    }

    /** Writes {@code w}'s JSON gzipped, in base64, to {@code out} (left open). */
    private static void gzipped(Writer out, JsonValueWriter w) throws IOException {
        OutputStream ascii = new OutputStream() {   // base64 is ASCII: each byte is one char
            private final char[] buf = new char[8192];

            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, buf.length);
                    for (int i = 0; i < n; i++) {
                        buf[i] = (char) b[off + i];
                    }
                    out.write(buf, 0, n);
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void close() {
                // the page goes on
            }
        };
        try (OutputStream b64 = Base64.getEncoder().wrap(ascii);
             GZIPOutputStream gz = new GZIPOutputStream(b64, 1 << 16);
             Writer text = new OutputStreamWriter(gz, StandardCharsets.UTF_8)) {
            JsonGenerator g = ScriptJson.generator(text);
            w.write(g);
            g.flush();
        }
    }

    /**
     * The page's Content-Security-Policy: only our inlined script and style run (by hash: an event
     * handler or script smuggled into the page would not), no fetch at all for a report file, and
     * for the live UI only its own server.
     */
    public String csp(boolean live) {
        return "default-src 'none'; script-src '" + sha256(assets.get("report.js")) + "'; style-src '"
                + sha256(assets.get("report.css")) + "'; img-src data:; connect-src " + (live ? "'self'" : "'none'")
                + "; base-uri 'none'; form-action 'none'";
    }

    private static String sha256(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + java.util.Base64.getEncoder().encodeToString(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HTML text escaping (also right inside a quoted attribute). */
    static void escape(Writer out, String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.write("&lt;");
                case '>' -> out.write("&gt;");
                case '&' -> out.write("&amp;");
                case '"' -> out.write("&quot;");
                case '\'' -> out.write("&#39;");
                default -> out.write(c);
            }
        }
    }

    private static List<Part> parse(String t) {
        List<Part> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int open = t.indexOf("{{", pos);
            if (open < 0) {
                out.add(new Literal(t.substring(pos)));
                return out;
            }
            int close = t.indexOf("}}", open);
            String[] slot = t.substring(open + 2, close).split(":", 2);
            if (slot.length != 2 || !List.of("text", "asset", "json", "gzjson").contains(slot[0])) {
                throw new IllegalStateException("page.html: bad slot {{" + t.substring(open + 2, close) + "}}");
            }
            out.add(new Literal(t.substring(pos, open)));
            out.add(new Slot(slot[0], slot[1]));
            pos = close + 2;
        }
    }

    /** One of our assets, refused if it could end the element it is inlined in. */
    private static String checkedAsset(String name) {
        String text = resource(name);
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("</script") || lower.contains("</style") || lower.contains("<!--")) {
            throw new IllegalStateException(name + " holds a closing tag or comment opener: it cannot be inlined");
        }
        return text;
    }

    static String resource(String name) {
        try (InputStream in = HtmlPage.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + BASE + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
