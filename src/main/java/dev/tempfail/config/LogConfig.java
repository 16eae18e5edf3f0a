package dev.tempfail.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the relay's log goes and how it looks.
 *
 * @param file   the log file (appended to); empty = standard error
 * @param level  the lowest level written: error, warn, info, debug or trace
 * @param format {@code text}: one syslog-style line per event, as Postfix tooling (pflogsumm) reads it;
 *               {@code json}: one JSON object per line, for log shippers
 */
public record LogConfig(Optional<Path> file, String level, String format) {

    static LogConfig from(Settings s) {
        Optional<Path> file = s.isNull("log.file") ? Optional.empty() : Optional.of(s.path("log.file"));
        String level = s.text("log.level").toLowerCase(Locale.ROOT);
        if (!level.matches("error|warn|info|debug|trace")) {
            throw s.error("log.level", "must be one of error, warn, info, debug, trace, got '" + level + "'");
        }
        String format = s.text("log.format").toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw s.error("log.format", "must be text or json, got '" + format + "'");
        }
        return new LogConfig(file, level, format);
    }
}
