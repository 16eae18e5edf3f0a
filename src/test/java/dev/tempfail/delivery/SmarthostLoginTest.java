package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** delivery.smarthost_tls and delivery.smarthost_auth from the configuration to the wire. */
class SmarthostLoginTest {
    @TempDir Path dir;

    @Test
    void theRelayLogsInToItsSmarthostOverTls() throws Exception {
        ServerTls tls = ServerTls.selfSigned(dir.resolve("upstream"), "smarthost.test");
        Path password = dir.resolve("smarthost.password");
        Files.writeString(password, "relay-Pass\n");
        try (FakeUpstream up = FakeUpstream.builder().startTls(tls.context()).login("relayuser", "relay-Pass").start();
             Relay relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of(
                     "TEMPFAIL_DELIVERY_ENABLED", "true",
                     "TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + up.port(),
                     "TEMPFAIL_DELIVERY_SMARTHOST_TLS", "verify",
                     "TEMPFAIL_DELIVERY_SMARTHOST_TLS_CA", dir.resolve("upstream/selfsigned-cert.pem").toString(),
                     "TEMPFAIL_DELIVERY_SMARTHOST_AUTH_USER", "relayuser",
                     "TEMPFAIL_DELIVERY_SMARTHOST_AUTH_PASSWORD_FILE", password.toString())),
                     Clock.systemUTC(), TestRelays.FAST)) {
            assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "app@example.org",
                    List.of("someone@example.com"), "Subject: via smarthost\r\n\r\nx\r\n")
                    .startsWith("250"));
            Await.until(Duration.ofSeconds(60), "delivered to the smarthost", () -> up.messages().size() == 1);
            assertTrue(up.messages().get(0).tls());
            assertEquals(1, up.commands("AUTH").size());
            assertTrue(up.commands("AUTH").get(0).tls());
        }
    }
}
