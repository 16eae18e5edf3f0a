package dev.tempfail.smtp;

import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.RawServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static dev.tempfail.smtp.SmtpClientTest.CLIENT;
import static dev.tempfail.smtp.SmtpClientTest.CONTENT;
import static dev.tempfail.smtp.SmtpClientTest.IMPATIENT;
import static dev.tempfail.smtp.SmtpClientTest.assertResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several candidate hosts, greetings, EHLO, timeouts, and conversations only a raw socket can script. */
class SmtpClientHostsTest {
    static final Envelope ENV = Envelope.of("sender@example.org", "a@example.net", "b@example.net");

    @Test
    void refusedConnectionMovesOnToTheNextHost() throws IOException {
        Target dead = refusingTarget("mx1.example.net");
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(dead, up.target("mx2.example.net")));

            assertEquals(up.target("mx2.example.net"), r.target());
            assertTrue(r.recipients().stream().allMatch(RecipientResult::delivered));
            HostFailure f = only(r.failedConnections());
            assertEquals(dead, f.target());
            assertEquals(Stage.CONNECT, f.stage());
            assertTrue(f.synthetic());
            assertEquals("4.4.1", f.reply().enhancedStatus());
            assertTrue(f.reply().text().startsWith("4.4.1 connect to " + dead + ": "), f.reply().text());
        }
    }

    @Test
    void greeting421Or554MovesOnToTheNextHost() {
        for (String greeting : List.of("421 4.3.2 Service not available, closing channel", "554 5.7.1 No SMTP service here")) {
            try (FakeUpstream busy = FakeUpstream.builder().greeting(greeting).start();
                 FakeUpstream up = FakeUpstream.builder().start()) {
                DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(busy.target("mx1"), up.target("mx2")));

                assertEquals(up.target("mx2"), r.target());
                assertTrue(r.recipients().stream().allMatch(RecipientResult::delivered));
                HostFailure f = only(r.failedConnections());
                assertEquals(new HostFailure(busy.target("mx1"), Stage.CONNECT, SmtpReply.parse(greeting), false), f);
                assertEquals(List.of(), busy.commands(), "nothing said after a refusing greeting but QUIT");
            }
        }
    }

    @Test
    void ehloAndHeloRefusedOrEhlo4xxMovesOnToTheNextHost() {
        try (FakeUpstream noHelo = FakeUpstream.builder().ehloReply("550 5.7.1 Go away").heloReply("550 5.7.1 Go away too").start();
             FakeUpstream closing = FakeUpstream.builder().ehloReply("421 4.3.2 Shutting down").start();
             FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(noHelo.target("mx1"), closing.target("mx2"), up.target("mx3")));

            assertEquals(up.target("mx3"), r.target());
            assertTrue(r.recipients().stream().allMatch(RecipientResult::delivered));
            assertEquals(List.of(
                    new HostFailure(noHelo.target("mx1"), Stage.EHLO, SmtpReply.parse("550 5.7.1 Go away too"), false),
                    new HostFailure(closing.target("mx2"), Stage.EHLO, SmtpReply.parse("421 4.3.2 Shutting down"), false)),
                    r.failedConnections());
            assertEquals(List.of("EHLO relay.test", "HELO relay.test"), noHelo.commandLines().subList(0, 2));
            assertEquals(List.of(), noHelo.commands("MAIL"));
        }
    }

    @Test
    void allHostsFailingIsAConnectionLevelTemporaryFailureWithTheLastError() throws IOException {
        Target dead = refusingTarget("mx2.example.net");
        try (FakeUpstream busy = FakeUpstream.builder().greeting("421 4.3.2 Try later").start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(busy.target("mx1.example.net"), dead));

            assertTrue(r.connectionFailed());
            assertNull(r.target());
            assertFalse(r.tls());
            assertEquals(0, r.transactions());
            assertEquals(EhloCapabilities.NONE, r.capabilities());
            assertEquals(2, r.failedConnections().size());
            assertEquals(421, r.failedConnections().get(0).reply().code());
            HostFailure last = r.failedConnections().get(1);
            assertEquals(dead, last.target());
            for (RecipientResult rr : r.recipients()) {
                assertResult(rr, Stage.CONNECT, 421, "4.4.1", true);
                assertEquals(last.reply(), rr.reply());
                assertTrue(rr.reply().isTransient());
            }
        }
        try (FakeUpstream busy = FakeUpstream.builder().greeting("421 4.3.2 Try later").start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(dead, busy.target("mx1.example.net")));
            for (RecipientResult rr : r.recipients()) {
                assertResult(rr, Stage.CONNECT, 421, "4.3.2", false); // the remote host's own words
            }
        }
    }

    @Test
    void silentHostTimesOutAndTheNextIsTried() {
        try (FakeUpstream silent = FakeUpstream.builder().delay(Stage.CONNECT, Duration.ofSeconds(20)).start();
             FakeUpstream up = FakeUpstream.builder().start()) {
            long t0 = System.nanoTime();
            DeliveryResult alone = IMPATIENT.deliver(ENV, CONTENT, List.of(silent.target("mx1")));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(alone.connectionFailed());
            for (RecipientResult rr : alone.recipients()) {
                assertResult(rr, Stage.CONNECT, 421, "4.4.2", true);
                assertTrue(rr.reply().text().contains("timed out after 300ms waiting for the greeting"), rr.reply().text());
            }
            assertTrue(ms < 3000, "took " + ms + " ms");

            DeliveryResult r = IMPATIENT.deliver(ENV, CONTENT, List.of(silent.target("mx1"), up.target("mx2")));
            assertEquals(up.target("mx2"), r.target());
            assertTrue(r.recipients().stream().allMatch(RecipientResult::delivered));
        }
    }

    @Test
    void aHostThatReachedMailFromIsFinalEvenWhenItFails() {
        try (FakeUpstream first = FakeUpstream.builder().mailReply("451 4.3.0 Temporary local problem").start();
             FakeUpstream second = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(first.target("mx1"), second.target("mx2")));
            assertEquals(first.target("mx1"), r.target());
            for (RecipientResult rr : r.recipients()) assertResult(rr, Stage.MAIL, 451, "4.3.0", false);
            assertEquals(0, second.connections());
        }
    }

    @Test
    void connectionLostAfterMailFromIsNotRetriedOnTheNextHost() {
        try (FakeUpstream first = FakeUpstream.builder().dropAt(Stage.MAIL).start();
             FakeUpstream second = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(first.target("mx1"), second.target("mx2")));
            assertEquals(first.target("mx1"), r.target());
            for (RecipientResult rr : r.recipients()) {
                assertResult(rr, Stage.MAIL, 451, "4.4.2", true);
                assertTrue(rr.reply().text().startsWith("4.4.2 Connection lost during MAIL"), rr.reply().text());
            }
            assertEquals(0, second.connections());
        }
    }

    @Test
    void multiLineGreetingAndRepliesAreParsed() throws IOException {
        try (RawServer raw = RawServer.start(c -> {
            c.send("220-mx.example.net ESMTP", "220-no UCE", "220 welcome");
            while (true) {
                String line = c.readLine();
                if (line == null) return;
                if (line.startsWith("EHLO")) c.send("250-mx.example.net hello", "250-SIZE 1000000", "250-PIPELINING", "250 8BITMIME");
                else if (line.startsWith("MAIL")) c.send("250-2.1.0 sender", "250 2.1.0 ok");
                else if (line.equals("RCPT TO:<a@example.net>")) c.send("250 2.1.5 ok");
                else if (line.startsWith("RCPT")) c.send("550-5.1.1 The email account that you tried to reach does not exist.",
                        "550-5.1.1 Please try double-checking the recipient's email address",
                        "550 5.1.1 for typos. https://support.example/mail/?p=NoSuchUser");
                else if (line.equals("DATA")) {
                    c.send("354 go");
                    c.readData();
                    c.send("250");
                } else if (line.equals("QUIT")) {
                    c.send("221 bye");
                    return;
                } else c.send("500 what?");
            }
        })) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(raw.target("mx.example.net")));

            assertEquals(List.of(), raw.errors());
            assertTrue(r.capabilities().pipelining());
            assertEquals(1_000_000L, r.capabilities().sizeLimit().getAsLong());
            assertEquals("mx.example.net", r.capabilities().serverName());
            RecipientResult a = r.recipients().get(0);
            assertResult(a, Stage.DATA, 250, null, false);
            assertTrue(a.delivered());
            RecipientResult b = r.recipients().get(1);
            assertResult(b, Stage.RCPT, 550, "5.1.1", false);
            assertEquals(3, b.reply().lines().size());
            assertTrue(b.reply().text().contains("does not exist") && b.reply().text().endsWith("p=NoSuchUser"), b.reply().text());
        }
    }

    @Test
    void garbageInsteadOfAReplyIsAProtocolError() throws IOException {
        try (RawServer raw = RawServer.start(c -> {
            c.send("220 mx ESMTP");
            c.readLine();
            c.send("250 mx");
            c.readLine();
            c.send("hello there, this is not SMTP");
            c.drain();
        })) {
            DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(raw.target("mx")));
            for (RecipientResult rr : r.recipients()) {
                assertResult(rr, Stage.MAIL, 451, "4.5.0", true);
                assertTrue(rr.reply().text().contains("malformed reply line \"hello there"), rr.reply().text());
            }
        }
    }

    @Test
    void serverThatStopsReadingDuringDataHitsTheDataBlockTimeout() throws IOException {
        SmtpClient client = new SmtpClient("relay.test", new SmtpTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofMillis(300), Duration.ofSeconds(5)));
        try (RawServer raw = RawServer.start(4096, c -> {
            c.send("220 mx ESMTP");
            for (String reply : List.of("250 mx", "250 ok", "250 ok", "354 go")) {
                c.readLine();
                c.send(reply);
            }
            c.hold(); // read nothing more
        })) {
            byte[] huge = SmtpClientTest.bigContent(32 << 20);
            long t0 = System.nanoTime();
            DeliveryResult r = client.deliver(Envelope.of("s@example.org", "a@example.net"), huge, List.of(raw.target("mx")));
            long ms = (System.nanoTime() - t0) / 1_000_000;

            RecipientResult rr = r.recipients().get(0);
            assertResult(rr, Stage.DATA, 451, "4.4.2", true);
            assertTrue(rr.reply().text().contains("Timeout during DATA: timed out after 300ms sending the message content"),
                    rr.reply().text());
            assertTrue(ms < 5000, "took " + ms + " ms");
        }
    }

    static Target refusingTarget(String name) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return new Target(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    static <T> T only(List<T> list) {
        assertEquals(1, list.size(), list.toString());
        return list.get(0);
    }

    /** A next hop greeting, or answering EHLO, with our own name is this relay: permanent 5.4.6, no other host tried. */
    @Test
    void aHostThatGreetsOrAnswersEhloWithOurNameIsALoop() {
        for (FakeUpstream.Builder self : List.of(FakeUpstream.builder().greetingName("RELAY.test"),
                FakeUpstream.builder().ehloName("relay.test"))) {
            try (FakeUpstream loop = self.start(); FakeUpstream other = FakeUpstream.builder().start()) {
                DeliveryResult r = CLIENT.deliver(ENV, CONTENT, List.of(loop.target("mx1"), other.target("mx2")));
                assertFalse(r.connectionFailed(), "the loop is that host's answer, not a failure to reach one");
                for (RecipientResult rr : r.recipients()) {
                    assertEquals(554, rr.reply().code(), rr.toString());
                    assertEquals("5.4.6", rr.reply().enhancedStatus());
                    assertTrue(rr.reply().text().contains("mail for example.net loops back to myself"), rr.toString());
                    assertFalse(rr.delivered());
                }
                assertEquals(0, loop.messages().size());
                assertEquals(0, other.connections(), "going round again through another host would not help");
            }
        }
    }
}
