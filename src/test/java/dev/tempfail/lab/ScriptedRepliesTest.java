package dev.tempfail.lab;

import dev.tempfail.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The script's decisions, on a clock the test moves: no sockets, no waiting. */
class ScriptedRepliesTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:30:00Z");
    private final MutableClock clock = new MutableClock(T0);

    private ScriptedReplies script(String yaml) {
        return new ScriptedReplies(LabScript.parse("t", "t", yaml), clock);
    }

    @Test
    void attemptNGetsTheNthReplyPerRecipientAndTheLastRepeats() {
        ScriptedReplies s = script("rules: [{rcpt: ['451 4.3.0 one', '452 4.2.2 two', '250 2.1.5 three']}]");
        assertEquals("451 4.3.0 one", s.rcpt("127.0.0.1", "a@s.example", "x@lab.example").reply());
        assertEquals("451 4.3.0 one", s.rcpt("127.0.0.1", "a@s.example", "y@lab.example").reply(), "counted per recipient");
        assertEquals("452 4.2.2 two", s.rcpt("127.0.0.1", "a@s.example", "X@lab.example").reply(), "case does not matter");
        ScriptedReplies.Answer third = s.rcpt("127.0.0.1", "a@s.example", "x@lab.example");
        assertEquals("250 2.1.5 three", third.reply());
        assertTrue(third.passes());
        assertEquals("250 2.1.5 three", s.rcpt("127.0.0.1", "a@s.example", "x@lab.example").reply(), "the last repeats");
    }

    @Test
    void postgreyGreylistingByTriple() {
        ScriptedReplies s = script("rules: [{rcpt: {greylist: 5m}}]");
        ScriptedReplies.Answer first = s.rcpt("127.0.0.1", "a@s.example", "x@lab.example");
        assertTrue(first.reply().startsWith("451 4.7.1 <x@lab.example>: Recipient address rejected: Greylisted"), first.reply());
        assertTrue(first.reply().contains("/help/lab.example.html"), "placeholders filled: " + first.reply());
        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertTrue(!s.rcpt("127.0.0.1", "a@s.example", "x@lab.example").passes(), "still within 5 minutes of the first try");
        assertTrue(!s.rcpt("127.0.0.2", "a@s.example", "x@lab.example").passes(), "another client address is another triple");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(s.rcpt("127.0.0.1", "a@s.example", "x@lab.example").passes(), "5 minutes after the first try");
        assertTrue(!s.rcpt("127.0.0.1", "b@s.example", "x@lab.example").passes(), "a new sender starts its own wait");
    }

    @Test
    void rateLimitPerSenderInAnySlidingHour() {
        ScriptedReplies s = script("rules: [{data: {rate_limit: 2/h}}]");
        List<String> to = List.of("x@lab.example");
        assertNull(s.data("127.0.0.1", "a@s.example", to).reply());
        clock.advance(Duration.ofMinutes(10));
        assertNull(s.data("127.0.0.1", "a@s.example", to).reply());
        String refused = s.data("127.0.0.1", "a@s.example", to).reply();
        assertEquals("450 4.7.1 Temporary delayed by rate limit, try later (2/h)", refused);
        assertNull(s.data("127.0.0.1", "other@s.example", to).reply(), "per sender");
        clock.advance(Duration.ofMinutes(49).plusSeconds(59));
        assertEquals(refused, s.data("127.0.0.1", "a@s.example", to).reply(), "the first is not yet an hour old");
        clock.advance(Duration.ofSeconds(1));
        assertNull(s.data("127.0.0.1", "a@s.example", to).reply(), "an hour after the first, it no longer counts");
        assertEquals(refused, s.data("127.0.0.1", "a@s.example", to).reply());
    }

    @Test
    void minutesOfTheHourOnTheLabClock() {
        ScriptedReplies s = script("rules: [{mail: {minutes: 0-4}}]");
        assertTrue(s.mail("127.0.0.1", "a@s.example").passes(), "10:30");
        clock.set(Instant.parse("2026-01-05T11:00:00Z"));
        assertEquals("451 4.7.1 Service unavailable - try again later", s.mail("127.0.0.1", "a@s.example").reply());
        clock.set(Instant.parse("2026-01-05T11:04:59Z"));
        assertTrue(!s.mail("127.0.0.1", "a@s.example").passes());
        clock.set(Instant.parse("2026-01-05T11:05:00Z"));
        assertTrue(s.mail("127.0.0.1", "a@s.example").passes());
    }

    @Test
    void connectionCapCountsTheOpenConnections() {
        ScriptedReplies s = script("rules: [{connect: {max_connections: 2}}]");
        assertTrue(s.connect("127.0.0.1", 1).passes());
        assertEquals("421 4.7.0 Too many concurrent connections, try again later", s.connect("127.0.0.1", 2).reply());
    }

    @Test
    void theFirstMatchingRuleAnswersAndDelaysAreKept() {
        ScriptedReplies s = script("""
                rules:
                  - {name: bob, local: bob, rcpt: '550 5.1.1 <{rcpt}>: no such user'}
                  - {name: slow, rcpt: {delay: 2s}}
                  - {name: never, rcpt: '452 4.2.2 full'}
                """);
        ScriptedReplies.Answer bob = s.rcpt("127.0.0.1", "a@s.example", "bob@lab.example");
        assertEquals("550 5.1.1 <bob@lab.example>: no such user", bob.reply());
        assertEquals("bob", bob.rule());
        ScriptedReplies.Answer other = s.rcpt("127.0.0.1", "a@s.example", "ann@lab.example");
        assertNull(other.reply(), "the second rule lets it through");
        assertEquals(Duration.ofSeconds(2), other.delay());
        assertEquals("slow", other.rule());
        assertTrue(s.mail("127.0.0.1", "a@s.example").passes(), "nothing scripted at MAIL");
    }

    @Test
    void placeholders() {
        assertEquals("550 5.7.1 due to s.example DMARC for x@lab.example (lab.example) from a@s.example via 127.0.0.1",
                ScriptedReplies.fill("550 5.7.1 due to {sender_domain} DMARC for {rcpt} ({domain}) from {sender} via {client}",
                        "x@lab.example", "a@s.example", "127.0.0.1"));
    }
}
