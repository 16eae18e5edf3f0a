package dev.tempfail.testsupport;

import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.delivery.DeliveryService;
import dev.tempfail.smtp.SmtpTimeouts;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Configurations for relays started inside tests: ephemeral loopback ports, a queue in a temp dir. */
public final class TestRelays {
    /** Delivery timing for tests: the scheduler looks often, sockets give up after 5 s. */
    public static final DeliveryService.Timing FAST = new DeliveryService.Timing(Duration.ofMillis(100),
            SmtpTimeouts.uniform(Duration.ofSeconds(5)), Clock.systemUTC());

    private TestRelays() {}

    /**
     * The embedded defaults with test ports and the queue of {@code queueDir} ({@link TestQueues}:
     * H2 in it, or the PostgreSQL database made for it), then {@code overrides}
     * (TEMPFAIL_* style). Delivery is off unless a test turns it on, DNS questions go to a
     * loopback port where nothing answers (so no test ever asks a real resolver), and a stop
     * waits at most 2 s for what is in flight.
     */
    public static TempfailConfig config(Path queueDir, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("TEMPFAIL_SMTP_LISTEN", "127.0.0.1:0");
        env.put("TEMPFAIL_ADMIN_LISTEN", "127.0.0.1:0");
        env.putAll(TestQueues.env(queueDir));
        env.put("TEMPFAIL_DELIVERY_ENABLED", "false");
        env.put("TEMPFAIL_DELIVERY_DNS_SERVERS", "127.0.0.1:9");
        env.put("TEMPFAIL_DELIVERY_DNS_TIMEOUT", "500ms");
        env.put("TEMPFAIL_SHUTDOWN_GRACE", "2s"); // a test's relay stops quickly, whatever it left in flight
        env.putAll(overrides);
        return ConfigLoader.load(null, env);
    }
}
