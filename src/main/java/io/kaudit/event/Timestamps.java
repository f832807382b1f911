package io.kaudit.event;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** RFC 3339 timestamps as the audit log writes them, to and from nanoseconds since the epoch. */
public final class Timestamps {
    private static final DateTimeFormatter ISO_NANOS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK_NANOS = DateTimeFormatter.ofPattern("HH:mm:ss.nnnnnnnnn");

    private Timestamps() {
    }

    /**
     * Parses {@code YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)} (Go's RFC3339Nano), also accepting a
     * space for 'T', lowercase 't'/'z', and no zone at all (taken as UTC, as exports such as
     * CloudWatch Logs Insights write it). Returns ns since the epoch.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static long parse(String s) {
        int n = s.length();
        if (n < 19) {
            throw new IllegalArgumentException("not an RFC 3339 timestamp: " + s);
        }
        int year = digits(s, 0, 4);
        expect(s, 4, '-');
        int month = digits(s, 5, 2);
        expect(s, 7, '-');
        int day = digits(s, 8, 2);
        char t = s.charAt(10);
        if (t != 'T' && t != 't' && t != ' ') {
            throw new IllegalArgumentException("not an RFC 3339 timestamp: " + s);
        }
        int hour = digits(s, 11, 2);
        expect(s, 13, ':');
        int minute = digits(s, 14, 2);
        expect(s, 16, ':');
        int second = digits(s, 17, 2);
        int i = 19;
        long nanos = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            int start = i;
            while (i < n && Character.isDigit(s.charAt(i))) {
                if (i - start < 9) {
                    nanos = nanos * 10 + (s.charAt(i) - '0');
                }
                i++;
            }
            int count = i - start;
            if (count == 0) {
                throw new IllegalArgumentException("empty fraction in timestamp: " + s);
            }
            for (int k = Math.min(count, 9); k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        char z = i < n ? s.charAt(i) : 'Z';
        if (i == n) {
            offsetSeconds = 0;
        } else if ((z == 'Z' || z == 'z') && i == n - 1) {
            offsetSeconds = 0;
        } else if ((z == '+' || z == '-') && i + 6 == n) {
            int oh = digits(s, i + 1, 2);
            expect(s, i + 3, ':');
            int om = digits(s, i + 4, 2);
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            throw new IllegalArgumentException("bad time zone in timestamp: " + s);
        }
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59
                || second > 60) {
            throw new IllegalArgumentException("invalid date in timestamp: " + s);
        }
        long epochSecond = daysFromCivil(year, month, day) * 86400L + hour * 3600L + minute * 60L + second
                - offsetSeconds;
        try {   // nanoseconds since the epoch in a long: 1677-09-21 to 2262-04-11, not a wrapped date
            return epochSecond < 0 && nanos > 0   // borrow a second, so that the earliest instants fit too
                    ? Math.addExact(Math.multiplyExact(epochSecond + 1, 1_000_000_000L), nanos - 1_000_000_000L)
                    : Math.addExact(Math.multiplyExact(epochSecond, 1_000_000_000L), nanos);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("timestamp out of range (1677 to 2262): " + s);
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), allocation-free. */
    private static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    private static int daysInMonth(int year, int month) {
        if (month == 2) {
            return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    private static int digits(String s, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not an RFC 3339 timestamp: " + s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(String s, int at, char c) {
        if (s.charAt(at) != c) {
            throw new IllegalArgumentException("not an RFC 3339 timestamp: " + s);
        }
    }

    /** {@code 2026-03-14T09:00:01.123456000Z}: Falco's JSON {@code time}. */
    public static String isoUtc(long nanos) {
        return ISO_NANOS.format(instant(nanos));
    }

    /** {@code 2026-03-14T09:00:01.123456000+0000}: Falco's {@code evt.time.iso8601}. */
    public static String iso8601(long nanos) {
        String s = isoUtc(nanos);
        return s.substring(0, s.length() - 1) + "+0000";
    }

    /** {@code HH:MM:SS.nnnnnnnnn} in the local time zone: Falco's {@code evt.time}. */
    public static String clock(long nanos) {
        return CLOCK_NANOS.format(instant(nanos).atZone(ZoneId.systemDefault()));
    }

    public static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
