package dev.tempfail.smtp;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.RawServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionReuseTest {
    private static final byte[] CONTENT = "Subject: reuse\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void theNextMessageToTheSameHostReusesTheConnection() {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(true).start()) {
            SmtpClient client = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)), true, Duration.ofSeconds(30));
            for (int i = 0; i < 3; i++) {
                DeliveryResult r = client.deliver(Envelope.of("s@example.org", "r" + i + "@example.com"), CONTENT, List.of(up.target()));
                assertTrue(r.recipients().get(0).delivered(), r.toString());
            }
            assertEquals(1, up.connections());
            assertEquals(3, up.messages().size());
            assertEquals(3, up.commands("RSET").size(), "each transaction ends with RSET before the connection is kept");
        }
    }

    @Test
    void aReceiverThatTakesFewMessagesPerConnectionGetsANewConnectionAfterThem() throws Exception {
        // a destination profile's messages_per_connection (iCloud: 5, NetEase: 7): here 2
        try (FakeUpstream up = FakeUpstream.builder().pipelining(true).start()) {
            SmtpClient client = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)), true, Duration.ofSeconds(30));
            for (int i = 0; i < 5; i++) {
                DeliveryResult r = client.deliver(Envelope.of("s@example.org", "r" + i + "@example.com"),
                        MessageContent.of(CONTENT), List.of(up.target()), Security.OPPORTUNISTIC, 2);
                assertTrue(r.recipients().get(0).delivered(), r.toString());
            }
            assertEquals(3, up.connections(), "2 + 2 + 1 messages");
            assertEquals(5, up.messages().size());
            // The receiver logs a QUIT on its own session thread, which may run after deliver() returned
            // (a CI loop saw 1 of 2): wait for the second, then check there are no more.
            Await.until(Duration.ofSeconds(30), "two QUITs", () -> up.commands("QUIT").size() >= 2);
            assertEquals(2, up.commands("QUIT").size(), "a full connection is closed with QUIT, not kept (the third is idle)");
        }
    }

    @Test
    void withoutReuseEveryMessageHasItsOwnConnection() {
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            SmtpClient client = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)), true, Duration.ZERO);
            for (int i = 0; i < 2; i++) client.deliver(Envelope.of("s@example.org", "r@example.com"), CONTENT, List.of(up.target()));
            assertEquals(2, up.connections());
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsNotUsed() throws Exception {
        // each connection takes one message, then the server says 421 and hangs up while we keep it idle
        try (RawServer server = RawServer.start(c -> {
            c.send("220 raw.test ESMTP");
            c.readLine();
            c.send("250 raw.test");
            c.readLine();
            c.send("250 2.1.0 Ok");
            c.readLine();
            c.send("250 2.1.5 Ok");
            c.readLine();
            c.send("354 go");
            c.readData();
            c.send("250 2.0.0 Ok");
            c.readLine(); // RSET
            c.send("250 2.0.0 Ok", "421 4.4.2 idle timeout"); // in one write: the 421 is there when the client looks
            c.drain();
        })) {
            SmtpClient client = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)), true, Duration.ofSeconds(30));
            assertTrue(client.deliver(Envelope.of("s@example.org", "a@example.com"), CONTENT, List.of(server.target("raw")))
                    .recipients().get(0).delivered());
            DeliveryResult second = client.deliver(Envelope.of("s@example.org", "b@example.com"), CONTENT, List.of(server.target("raw")));
            assertTrue(second.recipients().get(0).delivered(), second.toString());
            assertEquals(2, server.connections(), "the stale connection was thrown away, a new one used");
        }
    }
}
