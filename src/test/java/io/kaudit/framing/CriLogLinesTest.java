package io.kaudit.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The partial records of CRI container logs joined back into whole lines. */
class CriLogLinesTest {
    private static String join(String in, int readSize) throws IOException {
        InputStream s = new CriLogLines(new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), 1 << 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[readSize];
        int n;
        while ((n = s.read(b, 0, b.length)) >= 0) {
            out.write(b, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean cri(String head) throws IOException {
        return InputFormat.of(new java.io.BufferedInputStream(
                new ByteArrayInputStream(head.getBytes(StandardCharsets.UTF_8)))) == InputFormat.CRI_LINES;
    }

    @Test
    void aRunOfPartsAndItsLastRecordBecomeOneLineKeepingTheLineCount() throws IOException {
        String in = "2026-03-14T09:00:00.1Z stdout F {\"a\":1}\n"
                + "2026-03-14T09:00:00.2Z stdout P {\"kind\":\"Ev\n"
                + "2026-03-14T09:00:00.3Z stdout P ent\",\"verb\":\n"
                + "2026-03-14T09:00:00.4Z stdout F \"get\"}\n"
                + "2026-03-14T09:00:00.5Z stdout F {\"b\":2}\n";
        String want = "2026-03-14T09:00:00.1Z stdout F {\"a\":1}\n"
                + "2026-03-14T09:00:00.2Z stdout F {\"kind\":\"Event\",\"verb\":\"get\"}\n\n\n"
                + "2026-03-14T09:00:00.5Z stdout F {\"b\":2}\n";
        assertEquals(want, join(in, 1 << 16));
        assertEquals(want, join(in, 1), "the same, read a byte at a time");
        assertEquals(in.lines().count(), want.lines().count());
    }

    @Test
    void runsThatDoNotEndPassThroughUnchanged() throws IOException {
        String interrupted = "1 stdout P {\"kind\":\n"
                + "not a record\n"
                + "1 stdout F \"Event\"}\n";
        assertEquals(interrupted, join(interrupted, 7), "a line that is no record cuts the run: nothing is joined");
        String atEnd = "1 stdout F {}\n1 stdout P {\"kind\":\n1 stdout P \"Ev";
        assertEquals(atEnd, join(atEnd, 1 << 16), "no last record: the parts stay as they were");
        String other = "{\"kind\":\"Event\"}\nplain text P F\n\n";
        assertEquals(other, join(other, 3), "lines that are no CRI records are untouched");
    }

    @Test
    void theServersOwnStderrLinesBecomeBlankLinesEvenInsideARun() throws IOException {
        String in = "1 stderr F I0314 09:00:00.000001 1 trace.go:236] slow request\n"
                + "2 stdout P {\"kind\":\n"
                + "3 stderr P E0314 a long klog line in \n"
                + "4 stderr F two parts\n"
                + "5 stdout F \"Event\"}\n"
                + "6 stdout F {}\n";
        assertEquals("\n2 stdout F {\"kind\":\"Event\"}\n\n\n\n6 stdout F {}\n", join(in, 1 << 16));
        assertEquals(in.lines().count(), join(in, 5).lines().count());
    }

    @Test
    void aLongLineIsPassedOnWholeWithoutBeingHeld() throws IOException {
        String longLine = "1 stdout F {\"pad\":\"" + "x".repeat(3 << 20) + "\"}\n";
        String in = "1 stdout P {\"a\":\n" + longLine + "1 stdout F 1}\n";
        String out = join(in, 1 << 16);
        assertEquals(in.length(), out.length());
        assertTrue(out.startsWith("1 stdout P {\"a\":\n1 stdout F {\"pad\""), "the run before it is let through");
        assertArrayEquals(in.getBytes(StandardCharsets.UTF_8), out.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void criLogsAreRecognisedByTheirFirstRecord() throws IOException {
        assertTrue(cri("2026-03-14T09:00:00.123456789Z stdout F {\"kind\":\"Event\"}\n"));
        assertTrue(cri("\n2026-03-14T09:00:00.123456789+01:00 stderr P {\"kind\":\n"));
        assertFalse(cri("{\"kind\":\"Event\"}\n"));
        assertFalse(cri("2026-03-14T09:00:00Z {\"kind\":\"Event\"}\n"), "a CloudWatch export line has no stream");
        assertFalse(cri("2026-03-14T09:00:00Z stdout X {}\n"));
    }
}
