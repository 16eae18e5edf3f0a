package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.Relay;
import dev.tempfail.queue.History;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.Cli;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operator verb through the {@code tempfail} command line against a running relay (its
 * admin API), with a test clock: hold across a flush, release, bounce with its DSN, delete,
 * show of a message finished an hour earlier, cat, list filters, destinations, and the same
 * commands on the database when no relay runs.
 */
class OperatorVerbsTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String GREYLIST = "451 4.7.1 Greylisted, try again later";

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(T0);
    @AutoClose private FakeUpstream upstream;
    @AutoClose private FakeUpstream senders;
    @AutoClose private Relay relay;
    private Path config;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.builder()
                .rcptReply("held@example.com", GREYLIST)
                .rcptReply("other@example.com", GREYLIST)
                .rcptReply("bounced@example.com", GREYLIST)
                .rcptReply("deleted@example.com", GREYLIST)
                .start();
        senders = FakeUpstream.builder().start();
        relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + upstream.port() + "', sender.example: '127.0.0.1:"
                        + senders.port() + "'}")), clock, TestRelays.FAST);
        config = dir.resolve("cli.yaml");
        Files.writeString(config, "queue:\n  dir: " + dir.resolve("q") + "\nadmin:\n  listen: 127.0.0.1:" + relay.adminPort() + "\n");
    }

    private Cli cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(config.toString());
        return Cli.run(a.toArray(String[]::new));
    }

    private JsonNode json(String... args) throws Exception {
        Cli c = cli(args);
        assertEquals(0, c.exitCode(), String.join(" ", args) + ": " + c.err());
        return c.json();
    }

    private String send(String to, String subject) throws Exception {
        return SmtpTestClient.queued(relay.smtpPort(), "app@sender.example", List.of(to), "Subject: " + subject + "\r\n\r\nbody of " + subject + "\r\n");
    }

    private long rcpts(String address) {
        return upstream.commands("RCPT").stream().filter(c -> c.line().contains(address)).count();
    }

    /** Read from the relay's queue directly, for waiting (the CLI is what the assertions use). */
    private String state(String queueId) throws Exception {
        return relay.reader().show(queueId).orElseThrow().recipients().get(0).state();
    }

    @Test
    void holdSurvivesAFlushAndReleaseSendsItAgain() throws Exception {
        String held = send("held@example.com", "to hold");
        String other = send("other@example.com", "to flush");
        Await.until(LIMIT, "first tries", () -> rcpts("held@") == 1 && rcpts("other@") == 1
                && state(held).equals("deferred") && state(other).equals("deferred"));

        JsonNode hold = json("queue", "hold", held, "--json");
        assertEquals(1, hold.get("recipients").asInt());
        assertEquals("held", state(held));

        Cli flush = cli("queue", "flush");
        assertEquals(0, flush.exitCode(), flush.err());
        assertTrue(flush.out().startsWith("flush: 1 recipient(s) of 1 message(s) " + other), flush.out());
        // the flush made the other deferred recipient due at once, and both would be leased in one round
        Await.until(LIMIT, "the flushed recipient tried again", () -> rcpts("other@") == 2 && state(other).equals("deferred"));
        assertEquals(1, rcpts("held@"), "a held recipient is not tried, flush or not");
        assertEquals("held", state(held));

        Cli release = cli("queue", "release", held);
        assertEquals(0, release.exitCode(), release.err());
        Await.until(LIMIT, "released and tried", () -> rcpts("held@") == 2 && state(held).equals("deferred"));

        JsonNode m = json("queue", "show", held, "--json");
        JsonNode actions = m.get("actions");
        assertEquals("hold", actions.get(0).get("action").asText());
        assertEquals("release", actions.get(1).get("action").asText());
        assertTrue(actions.get(0).get("origin").asText().matches("http 127\\.0\\.0\\.1:\\d+ \\(tempfail-cli\\)"),
                actions.get(0).toString());
        JsonNode tries = m.get("recipients").get(0).get("tries");
        assertEquals(2, tries.size());
        JsonNode first = tries.get(0);
        assertEquals("rcpt", first.get("stage").asText());
        assertEquals(451, first.get("code").asInt());
        assertEquals("4.7.1 Greylisted, try again later", first.get("reply").asText());
        assertEquals("greylisted", first.get("category").asText());
        assertTrue(first.get("ip").asText().startsWith("127.0.0.1:"), first.toString());
        assertTrue(first.get("why").asText().startsWith("greylisted #1 in a row: 6m"), first.toString());
        assertTrue(first.get("wait_s").asLong() > 0);
        assertEquals(T0.plus(Duration.ofHours(72)).toString().substring(0, 13), m.get("expires_at").asText().substring(0, 13));
        assertTrue(m.has("delay_warning_at"));
        assertTrue(m.get("recipients").get(0).has("next_attempt_at"));

        Cli text = cli("queue", "show", held);
        assertTrue(text.out().contains("then:  retry in") && text.out().contains("operator:  ") && text.out().contains(" hold "),
                text.out());
    }

    @Test
    void bounceSendsAReportAndDeleteIsSilent() throws Exception {
        String bounced = send("bounced@example.com", "to bounce");
        String deleted = send("deleted@example.com", "to delete");
        Await.until(LIMIT, "first tries", () -> state(bounced).equals("deferred") && state(deleted).equals("deferred"));

        JsonNode b = json("queue", "bounce", bounced, "--json");
        assertEquals(1, b.get("recipients").asInt());
        Await.until(LIMIT, "the report reached the sender", () -> senders.messages().size() >= 1);
        assertEquals(1, senders.messages().size(), "one report");
        String report = senders.messages().get(0).contentAsString();
        assertTrue(report.contains("Status: 5.0.0"), report);
        assertTrue(report.contains("deleted by the operator"), report);
        assertTrue(report.contains("Final-Recipient: rfc822; bounced@example.com"), report);
        JsonNode bm = json("queue", "show", bounced, "--json");
        assertEquals("failed", bm.get("recipients").get(0).get("state").asText());
        assertEquals("5.0.0", bm.get("recipients").get(0).get("last_reply").get("status").asText());
        assertTrue(bm.has("finished_at"));

        Cli d = cli("queue", "delete", deleted);
        assertEquals(0, d.exitCode(), d.err());
        assertEquals("deleted", state(deleted));
        JsonNode listing = json("queue", "list", "--json");
        assertEquals(0, listing.get("total").asInt(), "both are finished: " + listing);
        JsonNode all = json("queue", "list", "--all", "--sender", "<>", "--json");
        assertEquals(1, all.get("total").asInt(), "one report only, for the bounce; the delete was silent: " + all);
        JsonNode deletedShown = json("queue", "show", deleted, "--json");
        assertEquals("delete", deletedShown.get("actions").get(0).get("action").asText());

        Cli again = cli("queue", "bounce");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("needs queue ids"), again.err());
    }

    @Test
    void aMessageFinishedAnHourAgoIsStillShown() throws Exception {
        upstream.close();
        upstream = null;
        try (FakeUpstream accepting = FakeUpstream.builder().start()) {
            relay.close();
            relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                    "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + accepting.port() + "'}")), clock, TestRelays.FAST);
            Files.writeString(config, "queue:\n  dir: " + dir.resolve("q") + "\nadmin:\n  listen: 127.0.0.1:" + relay.adminPort() + "\n");
            String id = send("ok@example.com", "delivered");
            Await.until(LIMIT, "delivered", () -> accepting.messages().size() == 1);
            Await.until(LIMIT, "finished", () -> relay.reader().show(id).orElseThrow().finishedAt() != null);
            clock.advance(Duration.ofHours(1));

            JsonNode m = json("queue", "show", id, "--json");
            assertEquals(T0.toString(), m.get("finished_at").asText());
            assertEquals("delivered", m.get("subject").asText());
            JsonNode t = m.get("recipients").get(0).get("tries").get(0);
            assertEquals("delivered", t.get("verdict").asText());
            assertEquals(250, t.get("code").asInt());
            assertFalse(m.get("body_kept").asBoolean(), "queue.keep_bodies is off by default");
            assertEquals(0, json("queue", "list", "--json").get("total").asInt());
            assertEquals(id, json("queue", "list", "--all", "--json").get("messages").get(0).get("queue_id").asText());
            assertEquals(id, json("queue", "list", "--state", "delivered", "--json").get("messages").get(0).get("queue_id").asText());

            Cli cat = cli("queue", "cat", id);
            assertEquals(1, cat.exitCode());
            assertTrue(cat.err().contains("body was not kept"), cat.err());

            assertEquals(0, new History(relay.database()).purge(clock.instant(), Duration.ofDays(7), 5), "kept for 7 days");
            clock.advance(Duration.ofDays(7));
            assertEquals(1, new History(relay.database()).purge(clock.instant(), Duration.ofDays(7), 5));
            Cli gone = cli("queue", "show", id);
            assertEquals(1, gone.exitCode());
            assertTrue(gone.err().contains("no message " + id), gone.err());
        } finally {
            upstream = FakeUpstream.builder().start();
        }
    }

    @Test
    void listFiltersCatLimitsAndDestinations() throws Exception {
        String a = send("held@example.com", "alpha");
        String b = send("other@example.com", "beta");
        Await.until(LIMIT, "first tries", () -> state(a).equals("deferred") && state(b).equals("deferred"));

        assertEquals(2, json("queue", "list", "--domain", "example.com", "--category", "greylisted", "--json").get("total").asInt());
        assertEquals(0, json("queue", "list", "--domain", "example.net", "--json").get("total").asInt());
        assertEquals(2, json("queue", "list", "--sender", "@sender.example", "--state", "deferred", "--json").get("total").asInt());
        assertEquals(0, json("queue", "list", "--older-than", "1h", "--json").get("total").asInt());
        JsonNode hold = json("queue", "hold", "--sender", "app@sender.example", "--json");
        assertEquals(2, hold.get("recipients").asInt(), "a bulk hold takes list's filters");
        assertEquals(2, json("queue", "list", "--state", "held", "--json").get("total").asInt());
        clock.advance(Duration.ofHours(2)); // past their retry time: held, so not tried
        assertEquals(2, json("queue", "list", "--older-than", "1h", "--json").get("total").asInt());

        Cli cat = cli("queue", "cat", a);
        assertEquals(0, cat.exitCode(), cat.err());
        assertTrue(cat.out().contains("Subject: alpha") && cat.out().contains("body of alpha"), cat.out());
        Cli headers = cli("queue", "cat", a, "--headers");
        assertTrue(headers.out().contains("Subject: alpha") && !headers.out().contains("body of alpha"), headers.out());

        Cli negative = cli("queue", "list", "--limit", "-1");
        assertEquals(2, negative.exitCode());
        assertTrue(negative.err().contains("limit must be at least 1"), negative.err());
        Cli huge = cli("queue", "list", "--limit", "12345678");
        assertEquals(2, huge.exitCode());
        assertTrue(huge.err().contains("at most 100000"), huge.err());
        Cli badState = cli("queue", "list", "--state", "lost");
        assertEquals(2, badState.exitCode());
        assertTrue(badState.err().contains("unknown state 'lost'"), badState.err());

        Cli suspend = cli("destination", "suspend", "example.com", "--for", "2h");
        assertEquals(0, suspend.exitCode(), suspend.err());
        JsonNode list = json("destination", "list", "--json");
        assertEquals("example.com", list.get(0).get("destination").asText());
        assertEquals(clock.instant().plus(Duration.ofHours(2)).toString(), list.get(0).get("paused_until").asText());
        assertTrue(list.get(0).get("reason").asText().contains("suspended by the operator"), list.toString());
        json("queue", "release", "ALL", "--json");
        // the domain is suspended: the released recipients are put back without a try
        String pausedUntil = clock.instant().plus(Duration.ofHours(2)).toString();
        Await.until(LIMIT, "put back", () -> relay.reader().list(10).messages().stream().allMatch(m ->
                m.recipients().get(0).state().equals("deferred") && pausedUntil.equals(m.recipients().get(0).nextAttemptAt())));
        assertEquals(2, json("queue", "list", "--state", "deferred", "--json").get("total").asInt());
        assertEquals(1, rcpts("held@"));
        Cli resume = cli("destination", "resume", "example.com");
        assertEquals(0, resume.exitCode(), resume.err());
        assertTrue(resume.out().contains("resumed, 2 recipient(s) due now"), resume.out());
        Await.until(LIMIT, "tried after the resume", () -> rcpts("held@") == 2 && rcpts("other@") == 2);
    }

    @Test
    void withoutARelayTheCommandsWorkOnTheDatabaseAndSaySo() throws Exception {
        String id = send("held@example.com", "offline");
        Await.until(LIMIT, "first try", () -> state(id).equals("deferred"));
        relay.close();
        relay = null;

        Cli hold = cli("queue", "hold", id);
        assertEquals(0, hold.exitCode(), hold.err());
        assertTrue(hold.err().contains("no relay answers at 127.0.0.1:") && hold.err().contains("directly"), hold.err());
        Cli show = cli("queue", "show", id, "--json");
        assertEquals(0, show.exitCode(), show.err());
        JsonNode m = show.json();
        assertEquals("held", m.get("recipients").get(0).get("state").asText());
        assertTrue(m.get("actions").get(0).get("origin").asText().startsWith("cli "), m.toString());
    }
}
