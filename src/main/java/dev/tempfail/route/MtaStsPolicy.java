package dev.tempfail.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A domain's MTA-STS policy (RFC 8461 §3.2), as served from
 * {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}.
 *
 * @param mode   what a sender does with it: {@code enforce} (only matching MX hosts, verified TLS),
 *               {@code testing} (report, deliver anyway) or {@code none} (no policy)
 * @param mx     the MX host patterns: {@code mail.example.com} or {@code *.example.com} (one label)
 * @param maxAge how long the policy may be cached
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {
    /** RFC 8461: max_age is at most 31557600 seconds (about a year). */
    static final long MAX_AGE_LIMIT = 31_557_600;

    public enum Mode {
        ENFORCE, TESTING, NONE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public MtaStsPolicy {
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
    }

    /**
     * Whether {@code host} (an MX host name, no trailing dot) matches one of the patterns, case
     * ignored; a wildcard stands for exactly one leftmost label (§4.1).
     */
    public boolean matches(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        while (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(pattern.substring(2))) return true;
            } else if (h.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses a policy body: {@code key: value} lines ended by CRLF or LF; {@code version: STSv1},
     * {@code mode} and {@code max_age} required, {@code mx} required unless the mode is none;
     * unknown keys are ignored (§3.2). The exception's message says what is wrong.
     */
    public static MtaStsPolicy parse(String text) {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("not a key: value line: '" + clip(line) + "'");
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> {
                    try {
                        mode = Mode.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("mode must be enforce, testing or none, got '" + clip(value) + "'");
                    }
                }
                case "max_age" -> {
                    if (!value.matches("[0-9]{1,10}") || Long.parseLong(value) > MAX_AGE_LIMIT) {
                        throw new IllegalArgumentException("max_age must be 0.." + MAX_AGE_LIMIT + " seconds, got '" + clip(value) + "'");
                    }
                    maxAge = Long.parseLong(value);
                }
                case "mx" -> {
                    String p = value.toLowerCase(Locale.ROOT);
                    while (p.endsWith(".")) p = p.substring(0, p.length() - 1);
                    if (!p.matches("(\\*\\.)?[a-z0-9_-]+(\\.[a-z0-9_-]+)*")) {
                        throw new IllegalArgumentException("not an MX pattern: '" + clip(value) + "'");
                    }
                    mx.add(p);
                }
                default -> { } // extensions: ignored, as the RFC says
            }
        }
        if (!"STSv1".equals(version)) throw new IllegalArgumentException("version must be STSv1, got '" + version + "'");
        if (mode == null) throw new IllegalArgumentException("no mode");
        if (maxAge == null) throw new IllegalArgumentException("no max_age");
        if (mx.isEmpty() && mode != Mode.NONE) throw new IllegalArgumentException("no mx pattern");
        return new MtaStsPolicy(mode, mx, Duration.ofSeconds(maxAge));
    }

    /** A line of what the server sent, cut to 80 characters for an error message. */
    static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
