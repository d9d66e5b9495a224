package io.registrygc.policy;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code --min-age}: {@code 0}, {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}, or ISO-8601 ({@code PT1H}). */
public final class MinAge {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*([smhdw]?)");

    private MinAge() {
    }

    public static Duration parse(String value) {
        String text = value.trim().toLowerCase(java.util.Locale.ROOT);
        Matcher m = SIMPLE.matcher(text);
        if (m.matches()) {
            try {
                return bounded(ofUnit(Long.parseLong(m.group(1)), m.group(2), value), value);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("--min-age is out of range: " + value);
            }
        }
        try {
            Duration duration = Duration.parse(value.trim().toUpperCase(java.util.Locale.ROOT));
            if (duration.isNegative()) {
                throw new IllegalArgumentException("--min-age must not be negative: " + value);
            }
            return bounded(duration, value);
        } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid --min-age '" + value + "' (examples: 0, 30m, 1h, 2d)");
        }
    }

    private static Duration ofUnit(long amount, String unit, String value) {
        {
            if (unit.isEmpty() && amount != 0) {
                throw new IllegalArgumentException("--min-age needs a unit (s, m, h, d, w): " + value);
            }
            return switch (unit) {
                case "", "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                case "w" -> Duration.ofDays(Math.multiplyExact(7, amount));
                default -> throw new IllegalArgumentException("unknown unit in --min-age " + value);
            };
        }
    }

    /** Beyond a century the cutoff instant itself would not fit: nothing sensible asks for that. */
    private static Duration bounded(Duration duration, String value) {
        if (duration.compareTo(Duration.ofDays(36_500)) > 0) {
            throw new IllegalArgumentException("--min-age is out of range (at most 36500d): " + value);
        }
        return duration;
    }

    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        if (seconds == 0) {
            return "0";
        }
        if (seconds % 86400 == 0) {
            return seconds / 86400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
