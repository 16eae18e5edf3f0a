package dev.tempfail.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueConfigTest {
    @TempDir Path dir;

    @Test
    void withoutAUrlTheQueueIsTheEmbeddedH2() {
        QueueConfig q = ConfigLoader.defaults().queue();
        assertFalse(q.postgresql());
        assertTrue(q.url().isEmpty() && q.user().isEmpty() && q.passwordFile().isEmpty());
    }

    @Test
    void aPostgresqlUrlUserAndPasswordFileSelectPostgresql() throws Exception {
        Path secret = Files.writeString(dir.resolve("pw"), "s3cret\n");
        QueueConfig q = ConfigLoader.load(null, Map.of(
                "TEMPFAIL_QUEUE_URL", "jdbc:postgresql://db.internal:5432/tempfail?sslmode=require",
                "TEMPFAIL_QUEUE_USER", "relay",
                "TEMPFAIL_QUEUE_PASSWORD_FILE", secret.toString())).queue();
        assertTrue(q.postgresql());
        assertEquals("relay", q.user().orElseThrow());
        assertEquals(secret, q.passwordFile().orElseThrow());
        assertEquals("jdbc:postgresql://db.internal:5432/tempfail", q.describe(), "log lines leave the parameters out");
    }

    @Test
    void mistakesStopStartUpWithTheKeyAndTheReason() {
        ConfigException other = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_QUEUE_URL", "jdbc:mysql://db/tempfail")));
        assertEquals("queue.url", other.key());
        assertTrue(other.reason().contains("PostgreSQL"), other.reason());

        ConfigException user = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_QUEUE_USER", "relay")));
        assertEquals("queue.user", user.key());

        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(
                "TEMPFAIL_QUEUE_URL", "jdbc:postgresql://db/tempfail",
                "TEMPFAIL_QUEUE_PASSWORD_FILE", dir.resolve("absent").toString())));
        assertEquals("queue.password_file", missing.key());
        assertTrue(missing.reason().contains("cannot read"), missing.reason());

        ConfigException lease = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_QUEUE_LEASE_TIME", "1s")));
        assertEquals("queue.lease_time", lease.key());
        assertTrue(lease.reason().contains("at least 2s"), lease.reason());
    }

    @Test
    void theLeaseTimeIsTenMinutesUnlessSet() {
        assertEquals(java.time.Duration.ofMinutes(10), ConfigLoader.defaults().queue().leaseTime());
        assertEquals(java.time.Duration.ofSeconds(5),
                ConfigLoader.load(null, Map.of("TEMPFAIL_QUEUE_LEASE_TIME", "5s")).queue().leaseTime());
    }
}
