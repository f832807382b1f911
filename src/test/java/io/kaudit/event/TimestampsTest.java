package io.kaudit.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.Kaudit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 3339 times to epoch nanoseconds: as java.time reads them, and never a wrapped date. */
class TimestampsTest {

    @Test
    void readsAsJavaTimeDoes() {
        for (String t : new String[] {"2026-03-14T09:00:01.123456789Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59.5Z",
                "1969-12-31T23:59:59.999999999Z", "2000-01-01T01:00:00+01:00"}) {
            Instant i = Instant.parse(t);
            assertEquals(i.getEpochSecond() * 1_000_000_000L + i.getNano(), Timestamps.parse(t), t);
        }
    }

    @Test
    void theEdgesOfALongAreReadAndWhatLiesBeyondIsRefused() {
        assertEquals(Long.MAX_VALUE, Timestamps.parse("2262-04-11T23:47:16.854775807Z"));
        assertEquals(Long.MIN_VALUE, Timestamps.parse("1677-09-21T00:12:43.145224192Z"));
        for (String t : new String[] {"2262-04-11T23:47:16.854775808Z", "2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                "0001-01-01T00:00:00Z", "1677-09-21T00:12:43.145224191Z"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(t), t);
            assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        }
    }

    @Test
    void anEventOutOfRangeIsAMalformedLineNotAWrappedTime(@TempDir Path dir) throws Exception {
        String ok = "{\"kind\":\"Event\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"verb\":\"get\","
                + "\"user\":{\"username\":\"u\"},\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}";
        Path log = Files.writeString(dir.resolve("t.log"), ok + "\n" + ok.replace("2026-01-01", "9999-12-31") + "\n");
        Kaudit.Outcome o = Kaudit.run("scan", "-f", "json", log.toString());
        String stats = o.out().replaceAll("\\s", "");
        assertTrue(stats.contains("\"events\":1,") && stats.contains("\"malformed\":1,")
                && stats.contains("t.log:2\""), o.out());
        assertTrue(o.err().contains("out of range"), o.err());
    }
}
