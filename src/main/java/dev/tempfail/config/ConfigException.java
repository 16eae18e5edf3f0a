package dev.tempfail.config;

/**
 * A configuration problem, phrased for the person who wrote the file: where the value came
 * from (a file or an environment variable), the key, and what is wrong with it.
 */
public final class ConfigException extends RuntimeException {
    private final String source;
    private final String key;
    private final String reason;

    public ConfigException(String source, String key, String reason) {
        super(source + ": " + (key.isEmpty() ? "" : key + ": ") + reason);
        this.source = source;
        this.key = key;
        this.reason = reason;
    }

    public String source() { return source; }

    public String key() { return key; }

    public String reason() { return reason; }
}
