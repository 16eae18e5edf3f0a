package dev.tempfail;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} stopped with SIGTERM while a delivery waits for the next hop's 250, with one
 * client idle and one in the middle of DATA: the idle one and a new one hear 421 4.3.2, the
 * message in DATA is stored and answered, the delivery finishes and is recorded, the process
 * exits 0 without stack traces, and a restart sends nothing a second time.
 */
class ServeShutdownTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    @Test
    void sigtermDrainsAndARestartSendsNothingTwice() throws Exception {
        // the upstream records each message and holds its reply to the final dot: a slow delivery, however fast the machine
        try (FakeUpstream up = FakeUpstream.builder().holdRepliesAfter(0).start()) {
            Map<String, String> env = Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}");
            Path queue = dir.resolve("queue");
            Path log = dir.resolve("serve.log");
            ChildRelay relay = ChildRelay.start(queue, log, env);
            assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "app@example.org",
                    List.of("first@example.com"), "Subject: first\r\n\r\nx\r\n")
                    .startsWith("250 "));
            Await.until(LIMIT, "the first message at the next hop, its reply held", () -> up.messages().size() == 1);

            try (SmtpTestClient idle = SmtpTestClient.connect(relay.smtpPort());
                 SmtpTestClient inData = SmtpTestClient.connect(relay.smtpPort())) {
                assertTrue(idle.reply().startsWith("220 "));
                assertTrue(idle.command("EHLO idle.test").startsWith("250"));
                assertTrue(inData.reply().startsWith("220 "));
                inData.command("EHLO busy.test");
                inData.startData("app@example.org", List.of("second@example.com"));
                inData.send("Subject: second\r\n");

                relay.terminate();
                assertEquals("421 4.3.2 Service shutting down", idle.reply(), "an idle session is told at once");
                assertTrue(idle.isClosedByServer());
                try (SmtpTestClient late = SmtpTestClient.connect(relay.smtpPort())) {
                    assertEquals("421 4.3.2 Service shutting down", late.reply(), "a new connection while draining");
                }
                inData.send("\r\nthe message in progress is finished\r\n.\r\n");
                assertTrue(inData.reply().startsWith("250 2.0.0 Ok: queued as "), "a message in DATA is stored and answered");
                assertEquals("421 4.3.2 Service shutting down", inData.reply());
            }
            up.releaseHeld(); // the next hop says 250 now, within the grace
            assertEquals(0, relay.awaitExit(LIMIT), "exit code on SIGTERM");

            String first = Files.readString(log);
            assertTrue(first.contains("to=<first@example.com>") && first.contains("status=sent"), first);
            assertFalse(first.contains("Exception"), "no stack traces on stop:\n" + first);
            Path trace = queue.resolve("tempfail.trace.db");
            if (Files.exists(trace)) assertFalse(Files.readString(trace).contains("already closed"), Files.readString(trace));

            try (ChildRelay again = ChildRelay.start(queue, dir.resolve("serve2.log"), env)) {
                Await.until(LIMIT, "the second message delivered, the queue empty", () -> again.queueTotal() == 0);
            }
            assertEquals(List.of("Subject: first", "Subject: second"),
                    up.messages().stream().map(m -> m.contentAsString().lines()
                            .filter(l -> l.startsWith("Subject: ")).findFirst().orElseThrow()).sorted().toList(),
                    "each message sent exactly once");
        }
    }
}
