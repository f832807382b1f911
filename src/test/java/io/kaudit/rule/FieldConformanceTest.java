package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Shared;
import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every field value of every conformance event (derived/fields.tsv, an independent model of the
 * k8saudit and json plugins) equals ours, except the plugin bugs kaudit corrects (README).
 */
class FieldConformanceTest {
    /** Fields where kaudit deliberately gives the correct value instead of the plugin's. */
    private static final Set<String> CORRECTED = Set.of("ka.req.service.ports", "ka.sourceips",
            "ka.req.pod.containers.eff_run_as_user", "ka.req.pod.containers.eff_run_as_group",
            "ka.req.pod.containers.add_capabilities", "ka.req.binding.subject.has_name[cluster-admin]");

    @Test
    void everyDerivedFieldValueMatches() throws Exception {
        Path tsv = Shared.require("conformance/falco/derived/fields.tsv");
        Map<String, List<AuditEvent>> events = new HashMap<>();
        EnvelopeDecoder decoder = new EnvelopeDecoder(Projection.ALL);
        ConditionCompiler binder = new ConditionCompiler(new Projection());
        int checked = 0;
        List<String> mismatches = new ArrayList<>();
        for (String line : Files.readAllLines(tsv)) {
            if (line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t", -1);
            String field = c[2];
            if (CORRECTED.contains(field) || field.startsWith("evt.time")) {
                continue;
            }
            List<AuditEvent> evs = events.computeIfAbsent(c[0], f -> decode(decoder, f));
            AuditEvent e = evs.get(Integer.parseInt(c[1]) - 1);
            int bracket = field.indexOf('[');
            Ast.FieldOperand op = bracket < 0 ? new Ast.FieldOperand(field, null, 0)
                    : new Ast.FieldOperand(field.substring(0, bracket), field.substring(bracket + 1, field.length() - 1), 0);
            Object got = binder.bind(op).getter().get(e);
            String want = switch (c[3]) {
                case "absent" -> "absent";
                case "scalar" -> "scalar:" + unescape(c[4]);
                default -> "list:" + unescape(c[4]);
            };
            String have = got == null ? "absent" : got instanceof String s ? "scalar:" + s : "list:" + jsonList(got);
            if (!want.equals(have)) {
                mismatches.add(c[0] + "#" + c[1] + " " + field + ": want " + want + ", got " + have);
            }
            checked++;
        }
        assertTrue(checked > 3500, "checked " + checked);
        assertEquals(List.of(), mismatches);
    }

    private static List<AuditEvent> decode(EnvelopeDecoder decoder, String file) {
        try {
            List<AuditEvent> out = new ArrayList<>();
            long n = 0;
            for (String l : Files.readAllLines(Shared.FALCO.resolve("traces").resolve(file))) {
                byte[] b = l.getBytes(StandardCharsets.UTF_8);
                out.addAll(decoder.decode(b, 0, b.length, file, ++n).events());
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String jsonList(Object v) {
        StringBuilder sb = new StringBuilder("[");
        for (Object o : (List<?>) v) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(io.kaudit.event.JsonWriter.quote((String) o));
        }
        return sb.append(']').toString();
    }

    /** The TSV escapes backslash, TAB and LF as \\\\, \\t, \\n. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
