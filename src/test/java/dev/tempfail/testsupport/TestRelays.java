package dev.tempfail.testsupport;

import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.TempfailConfig;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Configurations for relays started inside tests: ephemeral loopback ports, a queue in a temp dir. */
public final class TestRelays {
    private TestRelays() {}

    /** The embedded defaults with test ports and {@code queueDir}, then {@code overrides} (TEMPFAIL_* style). */
    public static TempfailConfig config(Path queueDir, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("TEMPFAIL_SMTP_LISTEN", "127.0.0.1:0");
        env.put("TEMPFAIL_ADMIN_LISTEN", "127.0.0.1:0");
        env.put("TEMPFAIL_QUEUE_DIR", queueDir.toString());
        env.putAll(overrides);
        return ConfigLoader.load(null, env);
    }
}
