package dev.tempfail.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DsnConfigTest {
    @Test
    void defaults() {
        DsnConfig dsn = ConfigLoader.defaults().dsn();
        assertEquals(1L << 20, dsn.maxReturnSize());
        assertEquals(Optional.empty(), dsn.doubleBounceTo());
    }

    @Test
    void fromTheEnvironment() {
        DsnConfig dsn = ConfigLoader.load(null, Map.of(
                "TEMPFAIL_DSN_MAX_RETURN_SIZE", "0",
                "TEMPFAIL_DSN_DOUBLE_BOUNCE_TO", "<postmaster@example.org>")).dsn();
        assertEquals(0, dsn.maxReturnSize());
        assertEquals(Optional.of("postmaster@example.org"), dsn.doubleBounceTo());
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException address = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_DSN_DOUBLE_BOUNCE_TO", "Postmaster")));
        assertEquals("dsn.double_bounce_to", address.key());
        assertTrue(address.reason().contains("one address"), address.reason());
        ConfigException size = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_DSN_MAX_RETURN_SIZE", "5G")));
        assertEquals("dsn.max_return_size", size.key());
    }
}
