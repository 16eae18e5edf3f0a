package dev.tempfail.smtp;

import dev.tempfail.lab.ReceiverLog;
import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.testsupport.FakeUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transactions against a scripted SubEtha server: per-recipient replies, stages, splitting, drops. */
class SmtpClientTest {
    static final SmtpClient CLIENT = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofSeconds(5)));
    static final SmtpClient IMPATIENT = new SmtpClient("relay.test", SmtpTimeouts.uniform(Duration.ofMillis(300)));

    /** A dot-led line, a line of two dots, 8-bit bytes, a lone dot inside a line. */
    static final byte[] CONTENT = bytes(
            "From: <sender@example.org>\r\nTo: <ok@example.net>\r\nSubject: test\r\n\r\n"
                    + "Hello.\r\n.this line starts with a dot\r\n..and this with two\r\n.\r\n x . y\r\n8-bit: ",
            new byte[] {(byte) 0xC3, (byte) 0xA9, (byte) 0xFF, (byte) 0x80}, "\r\nlast line\r\n");

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void everyRecipientGetsItsOwnReplyAndDataGoesOnceUnchanged(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("bad@example.net", "550 5.1.1 <bad@example.net>: user does not exist")
                .rcptReply("grey@example.net", "451 4.7.1 Greylisted, try again after some time.")
                .start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "ok@example.net", "bad@example.net",
                    "grey@example.net"), CONTENT, List.of(up.target("mx.example.net")));

            assertFalse(r.connectionFailed());
            assertEquals(up.target("mx.example.net"), r.target());
            assertEquals(pipelining, r.capabilities().pipelining());
            assertEquals(1, r.transactions());
            assertEquals(List.of(), r.failedConnections());
            List<RecipientResult> rs = r.recipients();
            assertEquals(List.of("ok@example.net", "bad@example.net", "grey@example.net"),
                    rs.stream().map(RecipientResult::address).toList());
            assertResult(rs.get(0), Stage.DATA, 250, "2.0.0", false);
            assertTrue(rs.get(0).delivered());
            assertResult(rs.get(1), Stage.RCPT, 550, "5.1.1", false);
            assertEquals("550 5.1.1 <bad@example.net>: user does not exist", rs.get(1).reply().toString());
            assertResult(rs.get(2), Stage.RCPT, 451, "4.7.1", false);
            assertFalse(rs.get(1).delivered() || rs.get(2).delivered());

            assertEquals(1, up.commands("DATA").size());
            ReceivedMessage m = single(up);
            assertEquals(List.of("ok@example.net"), m.recipients());
            assertEquals("sender@example.org", m.sender());
            assertArrayEquals(CONTENT, m.content());
            String wire = new String(m.wire(), StandardCharsets.ISO_8859_1);
            assertTrue(wire.contains("\r\n..this line starts with a dot\r\n...and this with two\r\n..\r\n x . y\r\n"), wire);
            assertTrue(wire.endsWith("last line\r\n.\r\n"), wire);
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void refusedMailFromDecidesEveryRecipientAndNoContentIsSent(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .mailReply("550 5.7.1 Sender address rejected").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "b@example.net"),
                    CONTENT, List.of(up.target()));

            assertFalse(r.connectionFailed(), "the host answered MAIL FROM: its answer is final");
            for (RecipientResult rr : r.recipients()) assertResult(rr, Stage.MAIL, 550, "5.7.1", false);
            assertEquals(List.of(), up.messages());
            if (!pipelining) assertEquals(List.of(), up.commands("RCPT"));
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void finalDotReplyDecidesAcceptedRecipientsOnly(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("bad@example.net", "550 5.1.1 No such user")
                .dotReply("554 5.7.1 [CS01] Message rejected due to local policy.").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "bad@example.net",
                    "c@example.net"), CONTENT, List.of(up.target()));

            assertResult(r.recipients().get(0), Stage.DATA, 554, "5.7.1", false);
            assertResult(r.recipients().get(1), Stage.RCPT, 550, "5.1.1", false);
            assertResult(r.recipients().get(2), Stage.DATA, 554, "5.7.1", false);
            assertEquals(List.of("a@example.net", "c@example.net"), single(up).recipients());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void refusedDataCommandDecidesAcceptedRecipients(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("bad@example.net", "550 5.1.1 No such user")
                .dataReply("451 4.3.0 Mail server temporarily rejected message.").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "bad@example.net"),
                    CONTENT, List.of(up.target()));

            assertResult(r.recipients().get(0), Stage.DATA, 451, "4.3.0", false);
            assertResult(r.recipients().get(1), Stage.RCPT, 550, "5.1.1", false);
            assertEquals(List.of(), up.messages());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void tooManyRecipientsSplitsIntoTransactionsOnOneConnection(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining).maxRecipientsPerTransaction(2).start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org",
                    "r1@example.net", "r2@example.net", "r3@example.net", "r4@example.net", "r5@example.net"),
                    CONTENT, List.of(up.target()));

            assertEquals(3, r.transactions());
            for (RecipientResult rr : r.recipients()) {
                assertTrue(rr.delivered(), rr.toString());
                assertResult(rr, Stage.DATA, 250, "2.0.0", false);
            }
            assertEquals(1, up.connections());
            List<ReceivedMessage> ms = up.messages();
            assertEquals(List.of(List.of("r1@example.net", "r2@example.net"), List.of("r3@example.net", "r4@example.net"),
                    List.of("r5@example.net")), ms.stream().map(ReceivedMessage::recipients).toList());
            for (ReceivedMessage m : ms) assertArrayEquals(CONTENT, m.content());
            assertEquals(3, up.commands("MAIL").size());
            assertEquals(3, up.commands("DATA").size());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void tooManyRecipientsForTheFirstRecipientIsARealTemporaryFailure(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("first@example.net", "452 4.5.3 Too many recipients").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "first@example.net", "second@example.net"),
                    CONTENT, List.of(up.target()));

            assertEquals(1, r.transactions());
            assertResult(r.recipients().get(0), Stage.RCPT, 452, "4.5.3", false);
            assertTrue(r.recipients().get(1).delivered());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void plain452AfterAnAcceptedRecipientIsRetriedInANewTransactionOnce(boolean pipelining) {
        // The server says a plain 452 to this address every time: once it is the first of a transaction, it stands.
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("full@example.net", "452 temporarily unavailable").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "full@example.net",
                    "c@example.net"), CONTENT, List.of(up.target()));

            assertEquals(2, r.transactions());
            assertTrue(r.recipients().get(0).delivered());
            assertResult(r.recipients().get(1), Stage.RCPT, 452, null, false);
            assertTrue(r.recipients().get(2).delivered());
            assertEquals(1, up.connections());
            // pipelined: c was sent (and accepted) in the first transaction; lockstep: it waited with full@
            assertEquals(pipelining ? List.of(List.of("a@example.net", "c@example.net"))
                            : List.of(List.of("a@example.net"), List.of("c@example.net")),
                    up.messages().stream().map(ReceivedMessage::recipients).toList());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void a421DecidesEveryRecipientStillOpen(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("b@example.net", "421 4.7.0 mx.example Error: too many errors").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "b@example.net",
                    "c@example.net"), CONTENT, List.of(up.target()));

            for (RecipientResult rr : r.recipients()) assertResult(rr, Stage.RCPT, 421, "4.7.0", false);
            assertEquals(List.of(), up.messages());
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void connectionDroppedInDataIsTemporaryForAllAcceptedRecipients(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .rcptReply("bad@example.net", "550 5.1.1 No such user").dropAt(Stage.DATA).start()) {
            byte[] big = bigContent(2 << 20); // large enough that the drop may come while still writing
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "bad@example.net",
                    "c@example.net"), big, List.of(up.target()));

            for (int i : new int[] {0, 2}) {
                RecipientResult rr = r.recipients().get(i);
                assertResult(rr, Stage.DATA, 451, "4.4.2", true);
                assertTrue(rr.reply().text().contains("Connection lost during DATA"), rr.reply().text());
                assertFalse(rr.delivered());
            }
            assertResult(r.recipients().get(1), Stage.RCPT, 550, "5.1.1", false);
        }
    }

    @Test
    void timeoutAfterTheFinalDotIsTemporaryAndSaysTheMessageMayHaveBeenDelivered() {
        try (FakeUpstream up = FakeUpstream.builder().delay(Stage.DATA, Duration.ofSeconds(20)).start()) {
            long t0 = System.nanoTime();
            DeliveryResult r = IMPATIENT.deliver(Envelope.of("sender@example.org", "a@example.net"), CONTENT,
                    List.of(up.target()));
            long ms = (System.nanoTime() - t0) / 1_000_000;

            RecipientResult rr = r.recipients().get(0);
            assertResult(rr, Stage.DATA, 451, "4.4.2", true);
            assertTrue(rr.reply().text().contains("timed out after 300ms waiting for the reply to the end of data"), rr.reply().text());
            assertTrue(rr.reply().text().contains("may have been delivered"), rr.reply().text());
            assertEquals(1, up.messages().size(), "the server did get the whole message");
            assertTrue(ms < 3000, "took " + ms + " ms");
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {false, true})
    void noReplyToRcptTimesOutAsTemporaryForEveryone(boolean pipelining) {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(pipelining)
                .delay(Stage.RCPT, Duration.ofSeconds(20)).start()) {
            DeliveryResult r = IMPATIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "b@example.net"),
                    CONTENT, List.of(up.target()));

            for (RecipientResult rr : r.recipients()) {
                assertResult(rr, Stage.RCPT, 451, "4.4.2", true);
                assertTrue(rr.reply().text().contains("Timeout during RCPT: timed out after 300ms"), rr.reply().text());
            }
        }
    }

    @Test
    void pipeliningSendsTheGroupBeforeReadingRepliesOnlyWhenAdvertised() {
        Envelope env = Envelope.of("sender@example.org", "a@example.net", "b@example.net");
        try (FakeUpstream up = FakeUpstream.builder().pipelining(true).start()) {
            assertTrue(CLIENT.deliver(env, CONTENT, List.of(up.target())).recipients().get(1).delivered());
            List<ReceiverLog.Entry> group = up.commands().stream()
                    .filter(c -> List.of("MAIL", "RCPT").contains(c.verb())).toList();
            assertEquals(3, group.size());
            for (ReceiverLog.Entry c : group) assertTrue(c.moreInputWaiting(), "not pipelined: " + c);
        }
        try (FakeUpstream up = FakeUpstream.builder().pipelining(false).start()) {
            assertTrue(CLIENT.deliver(env, CONTENT, List.of(up.target())).recipients().get(1).delivered());
            for (ReceiverLog.Entry c : up.commands()) assertFalse(c.moreInputWaiting(), "pipelined unasked: " + c);
        }
    }

    @Test
    void dataAcceptedWithoutRecipientsIsEndedWithALoneDot() {
        try (FakeUpstream up = FakeUpstream.builder().pipelining(true).dataWithoutRecipients()
                .rcptReply("a@example.net", "550 5.1.1 No such user")
                .rcptReply("b@example.net", "550 5.1.1 No such user").start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "b@example.net"),
                    CONTENT, List.of(up.target()));

            for (RecipientResult rr : r.recipients()) assertResult(rr, Stage.RCPT, 550, "5.1.1", false);
            ReceivedMessage m = single(up);
            assertArrayEquals(".\r\n".getBytes(StandardCharsets.US_ASCII), m.wire(), "a lone dot, not the message");
        }
    }

    @Test
    void dsnParametersGoOnlyToAServerThatAdvertisesDsn() {
        Envelope env = new Envelope("sender@example.org", List.of(
                new Envelope.Recipient("u1@example.net", "success,failure", "rfc822;user+tag=x@example.net"),
                new Envelope.Recipient("u2@example.net", "NEVER", null)),
                "hdrs", "id+1=x y", true, 0);
        try (FakeUpstream up = FakeUpstream.builder().dsn(true).size(10_000_000).start()) {
            CLIENT.deliver(env, CONTENT, List.of(up.target()));
            assertEquals("MAIL FROM:<sender@example.org> SIZE=" + CONTENT.length + " BODY=8BITMIME RET=HDRS ENVID=id+2B1+3Dx+20y",
                    up.commands("MAIL").get(0).line());
            assertEquals(List.of("RCPT TO:<u1@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user+2Btag+3Dx@example.net",
                            "RCPT TO:<u2@example.net> NOTIFY=NEVER"),
                    up.commands("RCPT").stream().map(ReceiverLog.Entry::line).toList());
        }
        try (FakeUpstream up = FakeUpstream.builder().dsn(false).eightBitMime(false).start()) {
            DeliveryResult r = CLIENT.deliver(env, CONTENT, List.of(up.target()));
            assertTrue(r.recipients().get(0).delivered());
            assertEquals("MAIL FROM:<sender@example.org>", up.commands("MAIL").get(0).line());
            assertEquals(List.of("RCPT TO:<u1@example.net>", "RCPT TO:<u2@example.net>"),
                    up.commands("RCPT").stream().map(ReceiverLog.Entry::line).toList());
        }
    }

    @Test
    void nullSenderIsSentAsEmptyPath() {
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("", "a@example.net"), CONTENT, List.of(up.target()));
            assertTrue(r.recipients().get(0).delivered());
            assertEquals("MAIL FROM:<>", up.commands("MAIL").get(0).line());
            assertEquals("", single(up).sender());
        }
    }

    @Test
    void ehloRefusedWithA5xxFallsBackToHeloWithoutExtensions() {
        Envelope env = new Envelope("sender@example.org", List.of(
                new Envelope.Recipient("a@example.net", "SUCCESS", "rfc822;a@example.net")), "FULL", "env1", true, 0);
        try (FakeUpstream up = FakeUpstream.builder().dsn(true).ehloReply("502 5.5.2 Error: command not recognized").start()) {
            DeliveryResult r = CLIENT.deliver(env, CONTENT, List.of(up.target()));
            assertTrue(r.recipients().get(0).delivered());
            assertFalse(r.capabilities().esmtp());
            assertEquals(List.of("EHLO relay.test", "HELO relay.test"), up.commandLines().subList(0, 2));
            assertEquals("MAIL FROM:<sender@example.org>", up.commands("MAIL").get(0).line());
            assertEquals("RCPT TO:<a@example.net>", up.commands("RCPT").get(0).line());
        }
    }

    @Test
    void contentIsStreamedFromASourceForEveryTransaction() {
        int[] opened = {0};
        MessageContent source = () -> {
            opened[0]++;
            return new java.io.ByteArrayInputStream(CONTENT);
        };
        try (FakeUpstream up = FakeUpstream.builder().maxRecipientsPerTransaction(1).start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net", "b@example.net"),
                    source, List.of(up.target()));
            assertEquals(2, opened[0]);
            assertTrue(r.recipients().get(0).delivered() && r.recipients().get(1).delivered());
            for (ReceivedMessage m : up.messages()) assertArrayEquals(CONTENT, m.content());
        }
    }

    @Test
    void aLocalReadErrorAbortsWithoutTheFinalDot() {
        MessageContent failing = () -> new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ < 100) return 'x';
                throw new IOException("disk on fire");
            }
        };
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            DeliveryResult r = CLIENT.deliver(Envelope.of("sender@example.org", "a@example.net"), failing, List.of(up.target()));
            RecipientResult rr = r.recipients().get(0);
            assertResult(rr, Stage.DATA, 451, "4.3.0", true);
            assertTrue(rr.reply().text().contains("disk on fire"), rr.reply().text());
            assertEquals(List.of(), up.messages(), "a truncated message must never be completed");
        }
    }

    @Test
    void contentWithoutFinalLineBreakGetsOneBeforeTheDot() {
        byte[] noEol = "Subject: x\r\n\r\nno line break at the end".getBytes(StandardCharsets.US_ASCII);
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            assertTrue(CLIENT.deliver(Envelope.of("s@example.org", "a@example.net"), noEol, List.of(up.target()))
                    .recipients().get(0).delivered());
            assertEquals("Subject: x\r\n\r\nno line break at the end\r\n", single(up).contentAsString());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    static void assertResult(RecipientResult r, Stage stage, int code, String status, boolean synthetic) {
        assertEquals(stage, r.stage(), r.toString());
        assertEquals(code, r.reply().code(), r.toString());
        if (status == null) assertNull(r.reply().enhancedStatus(), r.toString());
        else assertEquals(status, r.reply().enhancedStatus(), r.toString());
        assertEquals(synthetic, r.synthetic(), r.toString());
    }

    static ReceivedMessage single(FakeUpstream up) {
        List<ReceivedMessage> ms = up.messages();
        assertEquals(1, ms.size(), "messages received");
        return ms.get(0);
    }

    static byte[] bigContent(int size) {
        StringBuilder line = new StringBuilder();
        while (line.length() < 76) line.append("0123456789");
        String l = line.substring(0, 76) + "\r\n";
        StringBuilder sb = new StringBuilder("Subject: big\r\n\r\n");
        while (sb.length() < size) sb.append(l);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            byte[] b = p instanceof byte[] a ? a : ((String) p).getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
