package io.registrygc.units;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of the command line and the job parameters: {@code 0}, a whole number with a unit
 * ({@code 500ms}, {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}, {@code 1w}), or ISO-8601 ({@code PT1H30M}).
 * Negative and fractional values are refused; so is anything beyond a century, where instants stop fitting.
 */
public final class Durations {

    /** The longest duration accepted: beyond it a cutoff instant computed from it would not fit. */
    public static final Duration MAX = Duration.ofDays(36_500);
    public static final String EXAMPLES = "0, 500ms, 30s, 5m, 1h, 2d, 1w, PT1H30M";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d{1,18})(ms|s|m|h|d|w)?");

    private Durations() {
    }

    public static Duration parse(String value) {
        String text = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        Matcher m = WITH_UNIT.matcher(text);
        Duration duration;
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            if (m.group(2) == null && amount != 0) {
                throw new IllegalArgumentException("'" + value + "' needs a unit (ms, s, m, h, d, w)");
            }
            try {
                duration = switch (m.group(2) == null ? "s" : m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "d" -> Duration.ofDays(amount);
                    default -> Duration.ofDays(Math.multiplyExact(7, amount));
                };
            } catch (ArithmeticException e) {
                throw outOfRange(value);
            }
        } else if (text.startsWith("p")) {
            try {
                duration = Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException | ArithmeticException e) {
                throw notADuration(value);
            }
            if (duration.isNegative()) {
                throw new IllegalArgumentException("'" + value + "' is negative");
            }
        } else if (text.matches("\\d{19,}[a-z]*")) {
            throw outOfRange(value);
        } else {
            throw notADuration(value);
        }
        if (duration.compareTo(MAX) > 0) {
            throw outOfRange(value);
        }
        return duration;
    }

    /** The shortest form {@link #parse} reads back: {@code 0}, {@code 2d}, {@code 1h}, {@code 90s}, {@code 500ms}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0";
        }
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = duration.getSeconds();
        if (seconds % 604_800 == 0) {
            return seconds / 604_800 + "w";
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    /** Time taken or left, for people: {@code 850ms}, {@code 12.3s}, {@code 42s}, {@code 4m05s}, {@code 2h03m}; {@code -} when unknown. */
    public static String elapsed(Duration duration) {
        if (duration == null) {
            return "-";
        }
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = duration.getSeconds();
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    private static IllegalArgumentException notADuration(String value) {
        return new IllegalArgumentException("'" + value + "' is not a duration (examples: " + EXAMPLES + ")");
    }

    private static IllegalArgumentException outOfRange(String value) {
        return new IllegalArgumentException("'" + value + "' is out of range (at most " + MAX.toDays() + "d)");
    }
}
