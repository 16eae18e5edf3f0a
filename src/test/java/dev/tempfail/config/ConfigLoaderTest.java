package dev.tempfail.config;

import dev.tempfail.testsupport.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir Path dir;

    private Path file(String yaml) throws Exception {
        Path f = dir.resolve("tempfail.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void embeddedDefaultsMatchTheDocumentedKeys() {
        TempfailConfig c = ConfigLoader.defaults();
        assertEquals(new HostPort("127.0.0.1", 2525), c.smtp().listen());
        assertEquals("tempfail.localhost", c.smtp().hostname());
        assertEquals(35L * 1024 * 1024, c.smtp().maxMessageSize());
        assertEquals(1000, c.smtp().maxRecipients());
        assertEquals(Path.of("./data"), c.queue().dir());
        assertEquals(1L << 30, c.queue().minFree(), "queue.min_free: the larger of 1 GB and 1.5 x the largest message");
        assertEquals(1500L << 20, ConfigLoader.load(null, Map.of("TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "1000M")).queue().minFree());
        assertEquals(5L << 20, ConfigLoader.load(null, Map.of("TEMPFAIL_QUEUE_MIN_FREE", "5M")).queue().minFree());
        assertTrue(c.delivery().smarthost().isEmpty());
        assertTrue(c.delivery().routes().isEmpty());
        assertEquals(20, c.delivery().workers());
        assertEquals(Duration.ofHours(72), c.retry().lifetime());
        assertEquals(Duration.ofHours(4), c.retry().delayWarning());
        assertEquals(new HostPort("127.0.0.1", 8025), c.admin().listen());
    }

    @Test
    void fileOverridesOnlyWhatItNames() throws Exception {
        TempfailConfig c = ConfigLoader.load(file("""
                smtp:
                  listen: "[::1]:2600"
                delivery:
                  smarthost: mail.example.net
                  routes: {Example.COM: "127.0.0.1:2626"}
                """), Map.of());
        assertEquals(new HostPort("::1", 2600), c.smtp().listen());
        assertEquals("tempfail.localhost", c.smtp().hostname());
        assertEquals(new HostPort("mail.example.net", 25), c.delivery().smarthost().orElseThrow());
        assertEquals(Map.of("example.com", new HostPort("127.0.0.1", 2626)), c.delivery().routes());
    }

    @Test
    void environmentOverridesFileAndDefaults() throws Exception {
        TempfailConfig c = ConfigLoader.load(file("smtp:\n  listen: 127.0.0.1:2600\n"), Map.of(
                "TEMPFAIL_SMTP_LISTEN", "127.0.0.1:2700",
                "TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "10M",
                "TEMPFAIL_SMTP_NETWORKS", "10.0.0.0/8, ::1",
                "TEMPFAIL_DELIVERY_ROUTES", "{example.org: '127.0.0.1:2626'}",
                "TEMPFAIL_RETRY_LIFETIME", "48h",
                "PATH", "/usr/bin"));
        assertEquals(2700, c.smtp().listen().port());
        assertEquals(10L << 20, c.smtp().maxMessageSize());
        assertEquals(2, c.smtp().networks().size());
        assertTrue(c.smtp().mayRelay(java.net.InetAddress.getByName("10.1.2.3")));
        assertFalse(c.smtp().mayRelay(java.net.InetAddress.getByName("127.0.0.1")));
        assertEquals(new HostPort("127.0.0.1", 2626), c.delivery().routes().get("example.org"));
        assertEquals(Duration.ofHours(48), c.retry().lifetime());
    }

    @Test
    void unknownKeyNamesFileAndKey() throws Exception {
        Path f = file("smtp:\n  listen: 127.0.0.1:2525\n  max_msg_size: 10MB\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of()));
        assertEquals(f.toString(), e.source());
        assertEquals("smtp.max_msg_size", e.key());
        assertTrue(e.reason().startsWith("unknown key"), e.reason());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file("smpt:\n  listen: x\n"), Map.of()));
    }

    @Test
    void badValuesAreRefusedWithTheReason() throws Exception {
        ConfigException listen = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file("smtp:\n  listen: localhost\n"), Map.of()));
        assertEquals("smtp.listen", listen.key());
        assertTrue(listen.reason().contains("host:port"), listen.reason());

        ConfigException network = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file("smtp:\n  networks: [127.0.0.0/33]\n"), Map.of()));
        assertEquals("smtp.networks", network.key());

        ConfigException size = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "lots")));
        assertEquals("environment TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", size.source());

        ConfigException route = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file("delivery:\n  routes: {example.com: 'host:99999'}\n"), Map.of()));
        assertEquals("delivery.routes.example.com", route.key());

        assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of("TEMPFAIL_SMTP_LISTN", "x")));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(file("smtp: [1, 2\n"), Map.of()));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of()));
    }

    @Test
    void serveWithBadConfigPrintsOneLineAndFails() throws Exception {
        Path f = file("smtp:\n  listen: 127.0.0.1:2525\n  bogus: 1\n");
        Cli r = Cli.run("serve", "--config", f.toString());
        assertEquals(2, r.exitCode());
        assertEquals("tempfail: " + f + ": smtp.bogus: unknown key (known here: listen, hostname, networks, "
                + "max_message_size, max_recipients, max_connections, max_connections_per_client, max_messages_per_client, "
                + "client_rate_window, hard_error_limit, max_hops, timeout, tls, tls_listen)", r.err().strip());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
