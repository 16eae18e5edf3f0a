package dev.tempfail.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads from the merged configuration tree. Every failure names the
 * source of the value (file or environment variable), the key and the reason.
 */
public final class Settings {
    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([KMG]?)(I?B)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("([0-9]+)\\s*(ms|s|m|h|d)?");

    private final JsonNode root;
    private final Map<String, String> origins;
    private final String defaultSource;

    Settings(JsonNode root, Map<String, String> origins, String defaultSource) {
        this.root = root;
        this.origins = origins;
        this.defaultSource = defaultSource;
    }

    /** The error for {@code key}, attributed to where its value came from. */
    public ConfigException error(String key, String reason) {
        String source = origins.entrySet().stream()
                .filter(e -> key.equals(e.getKey()) || key.startsWith(e.getKey() + "."))
                .map(Map.Entry::getValue).findFirst().orElse(defaultSource);
        return new ConfigException(source, key, reason);
    }

    public boolean isNull(String key) {
        JsonNode n = node(key);
        return n == null || n.isNull();
    }

    public String text(String key) {
        JsonNode n = node(key);
        if (n == null || n.isNull() || !n.isValueNode() || n.asText().isBlank()) throw error(key, "must be a non-empty value");
        return n.asText().trim();
    }

    public int integer(String key, int min, int max) {
        JsonNode n = node(key);
        String t = n == null ? "" : n.asText().trim();
        if (n == null || !t.matches("-?[0-9]{1,10}")) throw error(key, "must be a whole number, got '" + t + "'");
        long v = Long.parseLong(t);
        if (v < min || v > max) throw error(key, "must be between " + min + " and " + max + ", got " + v);
        return (int) v;
    }

    public boolean bool(String key) {
        JsonNode n = node(key);
        if (n != null && n.isBoolean()) return n.booleanValue();
        String t = n == null ? "" : n.asText().trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("yes")) return true;
        if (t.equals("false") || t.equals("no")) return false;
        throw error(key, "must be true or false, got '" + t + "'");
    }

    /** A size in bytes: {@code 1048576}, {@code 512K}, {@code 35MB}, {@code 1GiB} (powers of 1024). */
    public long size(String key) {
        String t = text(key);
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) throw error(key, "must be a size like 35MB, 512K or 1048576, got '" + t + "'");
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw error(key, "is too large: '" + t + "'");
        }
    }

    /** A duration: {@code 30s}, {@code 5m}, {@code 4h}, {@code 3d}, {@code 250ms}; a bare number is seconds. */
    public Duration duration(String key) {
        return parse(key, text(key), Settings::parseDuration);
    }

    /** Parses a duration as {@link #duration} does; the message of the exception says what is wrong. */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        Matcher m = DURATION.matcher(t);
        if (!m.matches() || m.group(1).length() > 12) {
            throw new IllegalArgumentException("must be a duration like 30s, 5m, 4h or 3d, got '" + t + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    public HostPort hostPort(String key, int defaultPort) {
        return parse(key, text(key), s -> HostPort.parse(s, defaultPort));
    }

    public Optional<HostPort> optionalHostPort(String key, int defaultPort) {
        return isNull(key) ? Optional.empty() : Optional.of(hostPort(key, defaultPort));
    }

    public Path path(String key) {
        return Path.of(text(key));
    }

    public Optional<Path> optionalPath(String key) {
        return isNull(key) ? Optional.empty() : Optional.of(path(key));
    }

    /** A list, written as a YAML sequence or (from the environment) as a comma-separated string. */
    public <T> List<T> list(String key, Function<String, T> parser) {
        JsonNode n = node(key);
        List<String> items = new ArrayList<>();
        if (n == null || n.isNull()) return List.of();
        if (n.isArray()) {
            n.forEach(item -> items.add(item.asText().trim()));
        } else if (n.isValueNode()) {
            for (String s : n.asText().split(",")) if (!s.isBlank()) items.add(s.trim());
        } else {
            throw error(key, "must be a list");
        }
        List<T> out = new ArrayList<>();
        for (String item : items) out.add(parse(key, item, parser));
        return List.copyOf(out);
    }

    /** A mapping of the user's own keys to values, e.g. {@code delivery.routes}. */
    public <T> Map<String, T> map(String key, Function<String, T> parser) {
        JsonNode n = node(key);
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw error(key, "must be a mapping of key: value");
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            out.put(e.getKey().toLowerCase(Locale.ROOT), parse(key + "." + e.getKey(), e.getValue().asText(), parser));
        }
        return Map.copyOf(out);
    }

    /**
     * A mapping of the user's own keys to either a scalar, read as the field {@code scalarField},
     * or a mapping of the given {@code fields} (scalars): {@code example.com: "host:25"} and
     * {@code example.com: {host: "host:25", tls: verify}} say the same but for {@code tls}.
     * Keys are lower-cased; an unknown field stops start-up.
     */
    public Map<String, Map<String, String>> table(String key, String scalarField, List<String> fields) {
        JsonNode n = node(key);
        if (n == null || n.isNull()) return Map.of();
        if (!n.isObject()) throw error(key, "must be a mapping of key: value");
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String entryKey = key + "." + e.getKey();
            Map<String, String> row = new LinkedHashMap<>();
            if (e.getValue().isObject()) {
                for (Map.Entry<String, JsonNode> f : e.getValue().properties()) {
                    if (!fields.contains(f.getKey())) {
                        throw error(entryKey + "." + f.getKey(), "unknown key (known: " + String.join(", ", fields) + ")");
                    }
                    if (!f.getValue().isNull()) row.put(f.getKey(), f.getValue().asText().trim());
                }
            } else {
                row.put(scalarField, e.getValue().asText().trim());
            }
            out.put(e.getKey().toLowerCase(Locale.ROOT), Map.copyOf(row));
        }
        return Map.copyOf(out);
    }

    /** Parses {@code text} for {@code key} with {@code parser}, whose exception message says what is wrong. */
    public <T> T parsed(String key, String text, Function<String, T> parser) {
        return parse(key, text, parser);
    }

    /** The keys of a mapping, in file order (empty if the value is null). */
    public List<String> keys(String key) {
        JsonNode n = node(key);
        if (n == null || n.isNull()) return List.of();
        if (!n.isObject()) throw error(key, "must be a mapping of key: value");
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return List.copyOf(out);
    }

    private <T> T parse(String key, String text, Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
    }

    private JsonNode node(String key) {
        JsonNode n = root;
        for (String part : key.split("\\.")) {
            if (n == null) return null;
            n = n.get(part);
        }
        return n;
    }
}
