package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.config.ConfigException;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A route's own {@code tls} and {@code tls_ca} in {@code delivery.routes}, over {@code delivery.tls}. */
class RouteTlsTest {
    @TempDir Path dir;

    @Test
    void eachRouteKeepsItsOwnTlsPolicy() throws Exception {
        ServerTls tls = ServerTls.selfSigned(dir.resolve("up"), "secure.test");
        String ca = dir.resolve("up/selfsigned-cert.pem").toString();
        try (FakeUpstream plain = FakeUpstream.builder().start();
             FakeUpstream secure = FakeUpstream.builder().startTls(tls.context()).start();
             FakeUpstream other = FakeUpstream.builder().start();
             Relay relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of(
                     "TEMPFAIL_DELIVERY_ENABLED", "true",
                     "TEMPFAIL_DELIVERY_ROUTES", "{strict.example: {host: '127.0.0.1:" + plain.port() + "', tls: encrypt}, "
                             + "secure.example: {host: '127.0.0.1:" + secure.port() + "', tls: verify, tls_ca: '" + ca + "'}, "
                             + "other.example: '127.0.0.1:" + other.port() + "'}")),
                     Clock.systemUTC(), TestRelays.FAST)) {
            for (String to : List.of("a@strict.example", "b@other.example", "c@secure.example")) {
                assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "app@example.org", List.of(to), "Subject: t\r\n\r\nx\r\n")
                        .startsWith("250"));
            }
            Await.until(Duration.ofSeconds(30), "both tried", () -> !state(relay, "a@strict.example").equals("queued")
                    && !state(relay, "a@strict.example").equals("delivering") && other.messages().size() == 1 && state(relay, "c@secure.example").equals("delivered"));
            assertEquals("deferred", state(relay, "a@strict.example"));
            assertTrue(text(relay, "a@strict.example").startsWith("4.7.4 TLS is required (tls: encrypt)"), text(relay, "a@strict.example"));
            assertTrue(plain.messages().isEmpty(), "never in clear text to the tls: encrypt route");
            assertEquals(1, other.messages().size(), "a route without its own tls keeps delivery.tls (may)");
            assertTrue(secure.messages().get(0).tls(), "tls: verify with the route's own tls_ca");
            assertEquals("true", column(relay, "c@secure.example", "(SELECT a.tls_verified FROM attempt a WHERE a.recipient_id = recipient.id ORDER BY a.id DESC LIMIT 1)"));
        }
    }

    @Test
    void aRouteFieldThatDoesNotExistStopsStartUp() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestRelays.config(dir.resolve("q"), Map.of(
                "TEMPFAIL_DELIVERY_ROUTES", "{strict.example: {host: '127.0.0.1:25', tsl: encrypt}}")));
        assertEquals("delivery.routes.strict.example.tsl", e.key());
        ConfigException bad = assertThrows(ConfigException.class, () -> TestRelays.config(dir.resolve("q"), Map.of(
                "TEMPFAIL_DELIVERY_ROUTES", "{strict.example: {host: '127.0.0.1:25', tls: sometimes}}")));
        assertEquals("delivery.routes.strict.example.tls", bad.key());
    }

    private static String state(Relay relay, String address) throws Exception {
        return column(relay, address, "state");
    }

    private static String text(Relay relay, String address) throws Exception {
        return column(relay, address, "last_text");
    }

    private static String column(Relay relay, String address, String column) throws Exception {
        List<Object> r = Sql.row(relay.database(), "SELECT " + column + " FROM recipient WHERE address = ?", address);
        return r == null ? "" : String.valueOf(r.get(0));
    }
}
