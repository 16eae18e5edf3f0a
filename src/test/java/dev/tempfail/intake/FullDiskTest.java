package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue on a small filesystem of its own (a tmpfs the test mounts; skipped where it cannot)
 * that fills while delivery runs: new mail gets 452 4.3.1 at MAIL before the disk is full, a
 * message whose body cannot be written gets 451 4.3.0 at its final dot, nothing acknowledged is
 * lost, nothing is left leased, and once space is freed mail is taken and delivered again, with
 * no restart.
 */
class FullDiskTest {
    private static final int KB = 1024;
    private static final int MESSAGE = 512 * KB;

    @TempDir Path dir;

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static String body(String id, int size) {
        StringBuilder b = new StringBuilder("Message-ID: <" + id + "@full.test>\r\nSubject: " + id + "\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        while (b.length() < size) b.append(line);
        return b.toString();
    }

    /** MAIL's reply, and if 250 the final reply of the whole transaction. */
    private static String send(int port, String id) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(port).readTimeout(Duration.ofSeconds(60))) {
            c.reply();
            c.command("EHLO client.test");
            String mail = c.command("MAIL FROM:<s@example.org> SIZE=" + MESSAGE);
            if (!mail.startsWith("250")) return mail;
            c.command("RCPT TO:<" + id + "@example.com>");
            c.command("DATA");
            c.send(body(id, MESSAGE) + ".\r\n");
            return c.reply();
        }
    }

    /** Fills the filesystem until no more than {@code leave} bytes are free. */
    private static void fill(Path file, long leave) throws IOException {
        byte[] chunk = new byte[64 * KB];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (Files.getFileStore(file.getParent()).getUsableSpace() > leave + chunk.length) out.write(chunk);
        }
    }

    @Test
    void aFillingDiskIsRefusedPromptlyLosesNothingAndServiceResumesWhenSpaceReturns() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString()),
                "skipped: cannot mount a 24 MB tmpfs here (needs root and mount(8))");
        MutableClock clock = new MutableClock(Instant.now());
        Map<String, List<String>> acked = new HashMap<>();
        FakeUpstream.Builder script = FakeUpstream.builder();
        for (int i = 0; i < 60; i++) script.rcptReplies("m" + i + "@example.com", "451 4.7.1 Greylisted, try again later", "250 2.1.5 Ok");
        try (FakeUpstream up = script.start()) {
            Relay relay = Relay.start(TestRelays.config(mount.resolve("queue"), Map.of(
                    "TEMPFAIL_DELIVERY_ENABLED", "true",
                    "TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + up.port(),
                    "TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "8M",
                    "TEMPFAIL_QUEUE_MIN_FREE", "6M")), clock, TestRelays.FAST);
            try {
                // A session that starts its message while there is room, and finishes it when there is none.
                SmtpTestClient late = SmtpTestClient.connect(relay.smtpPort()).readTimeout(Duration.ofSeconds(60));
                late.reply();
                late.command("EHLO late.test");
                assertEquals("250 2.1.0 Ok", late.command("MAIL FROM:<s@example.org>"));
                late.command("RCPT TO:<late@example.com>");
                assertTrue(late.command("DATA").startsWith("354"));
                late.send(body("late", 100 * KB));

                // Mail comes in (and is tried, and deferred) until the queue's filesystem nears queue.min_free.
                String refusal = null;
                for (int i = 0; i < 60 && refusal == null; i++) {
                    String reply = send(relay.smtpPort(), "m" + i);
                    if (reply.startsWith("250 2.0.0 Ok: queued as ")) acked.put("m" + i, List.of(reply));
                    else refusal = reply;
                }
                assertEquals("452 4.3.1 Insufficient system storage", refusal, "refused at MAIL, before the disk is full");
                assertTrue(acked.size() >= 5, "enough mail came in first: " + acked.size());

                // Something else takes most of what is left; the late message cannot be written any more.
                fill(mount.resolve("ballast"), 2L << 20);
                late.send(body("late-rest", 4 << 20).substring(40) + ".\r\n");
                String lateReply = late.reply();
                assertTrue(lateReply.startsWith("451 4.3.0 "), "a failed write answers 451 at the dot: " + lateReply);
                assertEquals("250 2.0.0 Ok", late.command("NOOP"), "and the session is still in step");
                late.close();
                assertEquals("452 4.3.1 Insufficient system storage",
                        send(relay.smtpPort(), "refused"));

                // Space returns: the retries deliver everything acknowledged, their files go, and intake resumes
                // by itself.
                Files.delete(mount.resolve("ballast"));
                clock.advance(Duration.ofHours(2));
                relay.wakeScheduler();
                Await.until(Duration.ofSeconds(120), "every acknowledged message delivered", () -> {
                    relay.wakeScheduler();
                    return delivered(up).containsAll(acked.keySet());
                });
                Await.until(Duration.ofSeconds(60), "the queue empty, nothing left leased",
                        () -> relay.reader().list(100).total() == 0);
                String after = send(relay.smtpPort(), "m59");
                assertTrue(after.startsWith("250 2.0.0 Ok: queued as "), "taken again with no restart: " + after);
                assertTrue(!delivered(up).contains("late"), "the half-written message was never queued");
            } finally {
                relay.close();
            }
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static Set<String> delivered(FakeUpstream up) {
        return up.messages().stream().filter(m -> m.reply() != null && m.reply().startsWith("250"))
                .map(m -> m.recipients().get(0).replace("@example.com", "")).collect(Collectors.toSet());
    }
}
