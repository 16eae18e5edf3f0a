package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.tls.Pem;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inbound TLS: STARTTLS on the relay listener, the implicit-TLS listener, the certificate used. */
class StartTlsTest {
    @TempDir Path dir;
    @AutoClose private Relay relay;

    private String storedContent() throws Exception {
        String queueId = (String) Sql.value(relay.database(), "SELECT queue_id FROM message");
        assertTrue(queueId != null, "nothing stored");
        return new String(StoredBodies.read(relay.database(), queueId), StandardCharsets.UTF_8);
    }

    @Test
    void startTlsWithTheSelfSignedCertificateMadeAtFirstStart() throws Exception {
        relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of()), Clock.systemUTC());
        Path cert = dir.resolve("q/tls/selfsigned-cert.pem");
        assertTrue(Files.exists(cert) && Files.exists(dir.resolve("q/tls/selfsigned-key.pem")));
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            String ehlo = c.greet();
            assertTrue(ehlo.contains("250-STARTTLS") || ehlo.contains("250 STARTTLS"), ehlo);
            assertFalse(ehlo.contains("AUTH"), "no AUTH before TLS: " + ehlo);
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            SSLSession tls = c.startTls();
            assertTrue(tls.getProtocol().equals("TLSv1.3") || tls.getProtocol().equals("TLSv1.2"), tls.getProtocol());
            assertEquals(Pem.certificates(cert).get(0), tls.getPeerCertificates()[0]);
            String after = c.command("EHLO client.test");
            assertFalse(after.contains("STARTTLS"), after);
            assertEquals("554 5.5.1 Error: TLS already active", c.command("STARTTLS"));
            String reply = c.transaction("a@example.org", List.of("b@example.com"), "Subject: over TLS\r\n\r\nhello\r\n");
            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as"), reply);
            // SubEtha's own replies keep their enhanced codes over TLS too
            assertEquals("500 5.5.2 Error: command not recognized", c.command("FROB"));
            String received = storedContent();
            assertTrue(received.contains("\t(using " + tls.getProtocol() + " with cipher " + tls.getCipherSuite() + ")\r\n"), received);
            assertTrue(received.contains(" with ESMTPS id "), received);
        }
        // a restart reuses the pair made the first time
        String first = Files.readString(cert);
        relay.close();
        relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of()), Clock.systemUTC());
        assertEquals(first, Files.readString(cert));
    }

    @Test
    void commandsSentInClearTextWithStartTlsAreDropped() throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of()), Clock.systemUTC());
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.send("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n"); // CVE-2011-0411
            assertEquals("220 2.0.0 Ready to start TLS", c.reply());
            c.startTls();
            assertTrue(c.command("EHLO client.test").startsWith("250"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<real@example.org>"), "the injected MAIL was not kept");
        }
    }

    @Test
    void configuredPemCertificateAndImplicitTlsListener() throws Exception {
        ServerTls made = ServerTls.selfSigned(dir.resolve("mine"), "mx.example.test");
        relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of(
                "TEMPFAIL_SMTP_TLS_CERT", dir.resolve("mine/selfsigned-cert.pem").toString(),
                "TEMPFAIL_SMTP_TLS_KEY", dir.resolve("mine/selfsigned-key.pem").toString(),
                "TEMPFAIL_SMTP_TLS_LISTEN", "127.0.0.1:0")), Clock.systemUTC());
        assertFalse(Files.exists(dir.resolve("q/tls")), "no self-signed pair when one is configured");
        try (SmtpTestClient c = SmtpTestClient.connectTls(relay.smtpsPort())) {
            assertTrue(c.reply().startsWith("220 "));
            String ehlo = c.command("EHLO client.test");
            assertFalse(ehlo.contains("STARTTLS"), ehlo);
            String reply = c.transaction("a@example.org", List.of("b@example.com"), "Subject: implicit TLS\r\n\r\nhello\r\n");
            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as"), reply);
        }
        assertTrue(storedContent().contains("\t(using TLSv1."), storedContent());
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("220 2.0.0 Ready to start TLS", c.command("STARTTLS"));
            assertEquals(made.certificate(), c.startTls().getPeerCertificates()[0]);
        }
    }
}
