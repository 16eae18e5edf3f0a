package dev.tempfail.smtp;

import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.tls.Pem;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound TLS policies (none, may, encrypt, verify) and the login at a next hop, against a TLS-capable fake upstream. */
class TlsPolicyTest {
    @TempDir static Path dir;
    static ServerTls mx;
    static SSLContext trustMx;

    static final SmtpClient CLIENT = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(10)), true);
    static final Envelope ENV = Envelope.of("sender@example.org", "a@example.net");
    static final byte[] CONTENT = "Subject: t\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void certificate() throws Exception {
        mx = ServerTls.selfSigned(dir, "mx.example.net");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("mx", Pem.certificates(dir.resolve("selfsigned-cert.pem")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trustMx = SSLContext.getInstance("TLS");
        trustMx.init(null, tmf.getTrustManagers(), null);
    }

    @Test
    void verifyDeliversWhenTheChainIsTrustedAndTheNameMatches() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("mx.example.net")),
                    new Security(TlsPolicy.VERIFY, trustMx, null));
            assertTrue(r.recipients().get(0).delivered(), r.toString());
            assertTrue(r.tls() && r.tlsVerified(), r.toString());
            assertTrue(up.messages().get(0).tls());
        }
    }

    @Test
    void verifyFailsTemporarilyOnAWrongHostNameAndNeverFallsBackToClearText() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("other.example.net")),
                    new Security(TlsPolicy.VERIFY, trustMx, null));
            RecipientResult rr = r.recipients().get(0);
            assertFalse(rr.delivered());
            assertEquals(4, rr.reply().code() / 100, rr.toString());
            assertEquals(Stage.STARTTLS, rr.stage());
            assertTrue(rr.reply().toString().contains("4.7.5") && rr.reply().toString().contains("tls: verify"), rr.toString());
            assertTrue(up.messages().isEmpty(), "nothing sent in clear text");
            assertEquals(1, up.connections(), "no second, plain connection");
        }
    }

    @Test
    void verifyFailsOnAnUntrustedCertificate() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("mx.example.net")),
                    new Security(TlsPolicy.VERIFY, null, null)); // the JDK's trust store does not know it
            assertEquals(4, r.recipients().get(0).reply().code() / 100);
            assertTrue(up.messages().isEmpty());
        }
    }

    @Test
    void encryptRefusesANextHopWithoutStartTls() {
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("mx.example.net")),
                    new Security(TlsPolicy.ENCRYPT, null, null));
            RecipientResult rr = r.recipients().get(0);
            assertEquals(421, rr.reply().code());
            assertTrue(rr.reply().toString().contains("4.7.4") && rr.reply().toString().contains("does not offer STARTTLS"),
                    rr.toString());
            assertTrue(up.messages().isEmpty());
            assertTrue(up.commands("MAIL").isEmpty());
        }
    }

    @Test
    void encryptTakesAnyCertificateAndMayFallsBack() {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target("wrong.name")),
                    new Security(TlsPolicy.ENCRYPT, null, null));
            assertTrue(r.recipients().get(0).delivered() && r.tls() && !r.tlsVerified());
        }
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            assertTrue(CLIENT.deliver(ENV, CONTENT, List.of(up.target()), Security.OPPORTUNISTIC).recipients().get(0).delivered());
        }
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target()), new Security(TlsPolicy.NONE, null, null));
            assertTrue(r.recipients().get(0).delivered() && !r.tls());
            assertTrue(up.commands("STARTTLS").isEmpty());
        }
    }

    @Test
    void loginAtTheSmarthostOverTlsOnly() {
        Security.Login login = new Security.Login("relayuser", "relay-Pass");
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).login("relayuser", "relay-Pass").start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(up.target()), new Security(TlsPolicy.ENCRYPT, null, login));
            assertTrue(r.recipients().get(0).delivered(), r.toString());
            assertEquals(1, up.commands("AUTH").size());
            assertTrue(up.commands("AUTH").get(0).tls(), "AUTH went over TLS");
        }
        try (FakeUpstream up = FakeUpstream.builder().startTls(mx.context()).login("relayuser", "other").start()) {
            RecipientResult rr = CLIENT.deliver(ENV, CONTENT, List.of(up.target()), new Security(TlsPolicy.MAY, null, login))
                    .recipients().get(0);
            assertEquals(454, rr.reply().code(), "a refused login defers, as Postfix does");
            assertTrue(rr.reply().toString().contains("535"), rr.toString());
        }
        try (FakeUpstream up = FakeUpstream.builder().login("relayuser", "relay-Pass").start()) {
            RecipientResult rr = CLIENT.deliver(ENV, CONTENT, List.of(up.target()), new Security(TlsPolicy.MAY, null, login))
                    .recipients().get(0);
            assertEquals(454, rr.reply().code());
            assertTrue(rr.reply().toString().contains("never sent in clear text"), rr.toString());
            assertTrue(up.commands("AUTH").isEmpty(), "no password in clear text");
        }
    }
}
