package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands that need no envelope, one test per class, against the real listener. */
class SessionCommandsTest {
    @TempDir static Path dir;
    @AutoClose private static Relay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of()), Clock.systemUTC());
    }

    @Test
    void rsetDropsTheTransaction() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org>"));
            assertEquals("250 2.0.0 Ok", c.command("RSET"));
            assertEquals("503 5.5.1 Error: need MAIL command", c.command("RCPT TO:<r@example.com>"));
        }
    }

    @Test
    void noopKeepsTheTransaction() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org>"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<r@example.com>"));
        }
    }

    @Test
    void quitSaysByeAndCloses() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("221 2.0.0 Bye", c.command("QUIT"));
            assertTrue(c.isClosedByServer());
        }
    }

    @Test
    void vrfyNeverSaysWhoExists() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery", c.command("VRFY root"));
        }
    }

    @Test
    void helpListsOurCommands() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP", c.command("HELP"));
        }
    }

    @Test
    void expnAndBdatAreNotImplemented() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("502 5.5.1 Error: command not implemented", c.command("EXPN staff"));
            assertEquals("502 5.5.1 Error: command not implemented", c.command("BDAT 10 LAST"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session goes on");
        }
    }
}
