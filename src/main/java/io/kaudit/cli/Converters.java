package io.kaudit.cli;

import io.kaudit.engine.Selection;
import io.kaudit.event.Timestamps;
import io.kaudit.rule.Priority;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;

/** Option value converters with messages that say what is accepted. */
final class Converters {
    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    private Converters() {
    }

    /** The seconds of a duration such as 90s, 30m, 2h, 7d, 1h30m; null if {@code value} is not one. */
    private static Long seconds(String value) {
        Matcher m = DURATION.matcher(value);
        if (value.isEmpty() || !m.matches()) {
            return null;
        }
        long seconds = 0;
        long[] unit = {86400, 3600, 60, 1};
        for (int i = 0; i < 4; i++) {
            if (m.group(i + 1) != null) {
                seconds += Long.parseLong(m.group(i + 1)) * unit[i];
            }
        }
        return seconds;
    }

    /** A count of threads: a whole number of at least 1 (0 or -1 had been taken and meant one). */
    static final class ThreadsConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new CommandLine.TypeConversionException("expected a number of threads of at least 1, got '" + value + "'");
        }
    }

    static final class PriorityConverter implements ITypeConverter<Priority> {
        @Override
        public Priority convert(String value) {
            try {
                return Priority.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class MatchingConverter implements ITypeConverter<Selection.Matching> {
        @Override
        public Selection.Matching convert(String value) {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "all":
                    return Selection.Matching.ALL;
                case "first":
                    return Selection.Matching.FIRST;
                default:
                    throw new CommandLine.TypeConversionException("expected all or first, got '" + value + "'");
            }
        }
    }

    /** RFC 3339, or a duration back from now: 90s, 30m, 2h, 7d, 1h30m. Returns ns since the epoch. */
    static final class TimeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Long seconds = seconds(value);
            if (seconds != null) {
                long now = System.currentTimeMillis() * 1_000_000L;
                return now - seconds * 1_000_000_000L;
            }
            try {
                return Timestamps.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected an RFC 3339 time (2026-03-14T09:00:00Z) "
                        + "or a duration (30m, 2h, 7d), got '" + value + "'");
            }
        }
    }

    /** 64MiB, 512KiB, 1GiB, 1000 (bytes). */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Matcher m = Pattern.compile("(\\d+)\\s*([KMG]i?B?|B)?", Pattern.CASE_INSENSITIVE).matcher(value.trim());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("expected a size such as 64MiB, 512KiB or 1000, got '"
                        + value + "'");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
            int shift = unit.startsWith("K") ? 10 : unit.startsWith("M") ? 20 : unit.startsWith("G") ? 30 : 0;
            return n << shift;
        }
    }

    /** A duration: 90s, 30m, 2h, 7d, 1h30m, 0. Returns ns. */
    static final class DurationConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.equals("0")) {
                return 0L;
            }
            Long seconds = seconds(value);
            if (seconds == null) {
                throw new CommandLine.TypeConversionException("expected a duration (30s, 5m, 2h), got '" + value + "'");
            }
            return seconds * 1_000_000_000L;
        }
    }
}
