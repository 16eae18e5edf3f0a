package dev.tempfail.smtp;

import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.RawServer;
import dev.tempfail.testsupport.TestTls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.tempfail.smtp.SmtpClientTest.CLIENT;
import static dev.tempfail.smtp.SmtpClientTest.CONTENT;
import static dev.tempfail.smtp.SmtpClientTest.single;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opportunistic STARTTLS: used when offered, any certificate, plain-text retry when it fails. */
class SmtpClientTlsTest {
    @TempDir static Path dir;
    static SSLContext serverTls;

    static final Envelope ENV = Envelope.of("sender@example.org", "a@example.net");

    @BeforeAll
    static void certificate() throws Exception {
        serverTls = TestTls.serverContext(dir);
    }

    @Test
    void startTlsIsUsedWhenOfferedAndEhloIsSaidAgain() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(serverTls).pipelining(true).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("mx.example.net")));

            assertTrue(r.tls());
            assertTrue(r.tlsCipher().startsWith("TLSv1."), r.tlsCipher());
            assertTrue(r.recipients().get(0).delivered());
            assertFalse(r.capabilities().startTls(), "capabilities are those said after TLS");
            assertEquals(List.of("EHLO relay.test", "STARTTLS", "EHLO relay.test"), up.commandLines().subList(0, 3));
            assertTrue(up.commands("MAIL").get(0).tls());
            ReceivedMessage m = single(up);
            assertTrue(m.tls());
            assertArrayEquals(CONTENT, m.content());
        }
    }

    @Test
    void startTlsCanBeTurnedOff() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(serverTls).start()) {
            DeliveryResult r = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)), false)
                    .deliver(ENV, CONTENT, List.of(up.target()));
            assertFalse(r.tls());
            assertNull(r.tlsCipher());
            assertTrue(r.recipients().get(0).delivered());
            assertEquals(List.of(), up.commands("STARTTLS"));
        }
    }

    @Test
    void failedHandshakeIsRetriedInPlainTextOnANewConnection() {
        try (FakeUpstream up = FakeUpstream.builder().brokenStartTls().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("mx.example.net")));

            assertFalse(r.tls());
            assertTrue(r.recipients().get(0).delivered());
            assertEquals(up.target("mx.example.net"), r.target());
            assertEquals(2, up.connections());
            HostFailure f = SmtpClientHostsTest.only(r.failedConnections());
            assertEquals(Stage.STARTTLS, f.stage());
            assertTrue(f.synthetic());
            assertEquals("4.7.5", f.reply().enhancedStatus());
            assertEquals(1, up.commands("STARTTLS").size(), "no second STARTTLS on the plain-text retry");
            assertEquals(2, single(up).session());
        }
    }

    @Test
    void startTlsDeclinedGoesOnInPlainTextOnTheSameConnection() {
        try (FakeUpstream up = FakeUpstream.builder().startTlsReply("454 4.7.0 TLS not available due to local problem").start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target()));
            assertFalse(r.tls());
            assertTrue(r.recipients().get(0).delivered());
            assertEquals(1, up.connections());
            assertEquals(List.of(), r.failedConnections());
        }
    }

    @Test
    void dataAfterThe220ToStartTlsIsRefusedAsInjection() throws Exception {
        // CVE-2011-0411 style: plain-text bytes queued after the 220 must not be read as if they came over TLS.
        try (RawServer raw = RawServer.start(c -> {
            if (c.number() > 1) {
                c.send("421 4.3.2 not today either");
                return;
            }
            c.send("220 mx1 ESMTP");
            c.readLine();
            c.send("250-mx1", "250 STARTTLS");
            c.readLine();
            c.send("220 go ahead", "250 injected");
            c.drain();
        })) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(raw.target("mx1")));
            assertTrue(r.connectionFailed());
            assertEquals(2, r.failedConnections().size());
            HostFailure tls = r.failedConnections().get(0);
            assertEquals(Stage.STARTTLS, tls.stage());
            assertTrue(tls.reply().text().contains("sent data after its 220 to STARTTLS"), tls.reply().text());
        }
    }

    @Test
    void tlsFailureThenPlainFailureMovesOnToTheNextHost() throws Exception {
        try (RawServer raw = RawServer.start(c -> {
            if (c.number() == 1) {
                c.send("220 mx1 ESMTP");
                c.readLine();
                c.send("250-mx1", "250 STARTTLS");
                c.readLine();
                c.send("220 go ahead");
                c.socket().getInputStream().read(); // the ClientHello
                c.send("not TLS at all");
            } else {
                c.send("421 4.3.2 Too busy right now");
            }
        }); FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(raw.target("mx1"), up.target("mx2")));

            assertEquals(up.target("mx2"), r.target());
            assertTrue(r.recipients().get(0).delivered());
            assertEquals(List.of(Stage.STARTTLS, Stage.CONNECT), r.failedConnections().stream().map(HostFailure::stage).toList());
            assertEquals(421, r.failedConnections().get(1).reply().code());
            assertEquals(2, raw.connections());
        }
    }
}
