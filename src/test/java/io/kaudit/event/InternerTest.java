package io.kaudit.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The interner hands back one String per distinct short value: identical texts from different
 * events are the same instance, every text equals what plain decoding gives, and values it must
 * not keep (escaped, long) are still decoded right.
 */
class InternerTest {

    @Test
    void theSameValueInTwoEventsIsOneString() throws Exception {
        Interner strings = new Interner();
        JsonObject a = decode("{\"user\":{\"username\":\"system:kube-scheduler\"},\"verb\":\"get\"}");
        JsonObject b = decode("{\"verb\":\"get\",\"user\":{\"username\":\"system:kube-scheduler\"}}");
        String ua = strings.text(((JsonObject) a.get("user")).get("username"));
        String ub = strings.text(((JsonObject) b.get("user")).get("username"));
        assertEquals("system:kube-scheduler", ua);
        assertSame(ua, ub);
        assertSame(strings.text(a.get("verb")), strings.text(b.get("verb")));
        assertEquals(null, strings.text(decode("{\"n\":3}").get("n")), "not a string: no text");
    }

    @Test
    void everyTextIsTheDecodedValueWhateverCollidesOrIsEvicted() {
        Interner strings = new Interner();
        Random random = new Random(7);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {   // far more values than the table has slots: buckets overflow
            StringBuilder s = new StringBuilder();
            int len = random.nextInt(40);
            for (int k = 0; k < len; k++) {
                s.append(random.nextInt(10) == 0 ? "é€" : String.valueOf((char) ('a' + random.nextInt(26))));
            }
            values.add(s.toString());
        }
        Map<String, String> firstSeen = new HashMap<>();
        int same = 0;
        for (int round = 0; round < 2; round++) {
            for (String v : values) {
                byte[] b = ("x" + v + "y").getBytes(StandardCharsets.UTF_8);
                String t = strings.text(b, 1, b.length - 1, false);
                assertEquals(v, t);
                String before = firstSeen.putIfAbsent(v, t);
                same += before == t ? 1 : 0;
            }
        }
        // a value met again soon after comes back as the same instance
        byte[] last = values.get(values.size() - 1).getBytes(StandardCharsets.UTF_8);
        assertSame(strings.text(last, 0, last.length, false), strings.text(last, 0, last.length, false));
        assertEquals(true, same > 0, "some repeats hit the table");
    }

    @Test
    void twoValuesOfOneBucketBothStayAndAThirdEvictsTheOldest() {
        byte[] f = "node-0".getBytes(StandardCharsets.UTF_8);
        List<byte[]> alike = new ArrayList<>();
        for (int i = 1; alike.size() < 2; i++) {
            byte[] c = ("node-" + i).getBytes(StandardCharsets.UTF_8);
            if (Interner.bucket(c, 0, c.length) == Interner.bucket(f, 0, f.length)) {
                alike.add(c);
            }
        }
        Interner strings = new Interner();
        String kept = strings.text(f, 0, f.length, false);
        byte[] c = alike.get(0);
        String ct = strings.text(c, 0, c.length, false);
        assertSame(kept, strings.text(f, 0, f.length, false), "two values of one bucket both stay");
        assertSame(ct, strings.text(c, 0, c.length, false));
        byte[] d = alike.get(1);
        strings.text(d, 0, d.length, false);
        String again = strings.text(f, 0, f.length, false);
        assertNotSame(kept, again, "a third pushes out the oldest");
        assertEquals("node-0", again);
    }

    @Test
    void escapedAndLongValuesAreDecodedButNotKept() {
        Interner strings = new Interner();
        byte[] escaped = "a\\u0062c\\n".getBytes(StandardCharsets.UTF_8);
        String e1 = strings.text(escaped, 0, escaped.length, true);
        assertEquals("abc\n", e1);
        assertNotSame(e1, strings.text(escaped, 0, escaped.length, true));
        byte[] plain = "abc".getBytes(StandardCharsets.UTF_8);
        assertNotSame(e1, strings.text(plain, 0, plain.length, false), "an escaped text is never handed out for plain bytes");
        byte[] longValue = "z".repeat(200).getBytes(StandardCharsets.UTF_8);
        String l1 = strings.text(longValue, 0, longValue.length, false);
        assertEquals("z".repeat(200), l1);
        assertNotSame(l1, strings.text(longValue, 0, longValue.length, false));
    }

    private static JsonObject decode(String json) throws JsonSyntaxException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return (JsonObject) ProjectedDecoder.parse(b, 0, b.length, Projection.ALL);
    }
}
