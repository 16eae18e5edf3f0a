package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.config.Durations;
import dev.tempfail.testsupport.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tempfail classify} and {@code tempfail schedule}, run in-process as a user would. */
class ReplyCommandsTest {
    @TempDir Path dir;

    static Cli run(String... args) {
        return Cli.run(args);
    }

    @Test
    void classifyPrintsOneJsonObject() throws Exception {
        Cli r = run("classify", "--stage", "data", "450 4.7.1 Temporary delayed by rate limit for new clients, try later (2/h)").ok();
        assertEquals(1, r.out().strip().lines().count(), "one line: " + r.out());
        JsonNode j = r.json();
        assertEquals("transient", j.get("outcome").asText());
        assertEquals("rate_limited", j.get("category").asText());
        assertEquals("4.7.1", j.get("status").asText());
        assertEquals(1800, j.get("wait_s").asLong());
        assertEquals(2, j.get("per_hour").asInt());
        assertEquals("rate-or-volume", j.get("rule").asText());
        assertFalse(j.get("note").asText().isEmpty());
    }

    @Test
    void classifyUsesTheStage() throws Exception {
        JsonNode rcpt = run("classify", "--stage", "rcpt", "552 5.2.2 <example@icloud.com>: user is overquota").json();
        assertEquals("transient", rcpt.get("outcome").asText());
        assertEquals("4.2.2", rcpt.get("status").asText());
        assertEquals("mailbox_full", rcpt.get("category").asText());
        assertEquals(3600, rcpt.get("wait_s").asLong(), "no hint: the policy's first wait for mailbox_full");
        JsonNode data = run("classify", "--stage", "data", "552 5.2.2 <example@icloud.com>: user is overquota").json();
        assertEquals("permanent", data.get("outcome").asText());
        assertEquals("5.2.2", data.get("status").asText());
        assertFalse(data.has("wait_s"), "a permanent failure has no wait");
    }

    @Test
    void classifyReadsMultiLineRepliesAndTheHost() throws Exception {
        JsonNode j = run("classify", "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
                + "550 5.1.1 double-checking the recipient's email address for typos").json();
        assertEquals("bad_mailbox", j.get("category").asText());
        assertEquals("5.1.1", j.get("status").asText());
        JsonNode ms = run("classify", "--stage", "connect", "--host", "example-com.mail.protection.outlook.com",
                "451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS800)").json();
        assertEquals("office365-server-busy", ms.get("rule").asText(), "the host's destination profile has its own rule");
        assertEquals("rate_limited", ms.get("category").asText());
        assertEquals(1800, ms.get("wait_s").asInt(), "and its wait, which pauses the destination");
        assertEquals("office365", ms.get("profile").get("name").asText());
        assertEquals(50, ms.get("profile").get("messages_per_connection").asInt());
        assertTrue(ms.get("profile").get("source").asText().contains("KumoMTA"));
        assertFalse(j.has("profile"), "no host, no profile");
    }

    @Test
    void scheduleShowsTheProfileThatApplied() throws Exception {
        String out = run("schedule", "--seed", "1", "--stage", "connect", "--host", "mta5.am0.yahoodns.net",
                "--reply", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume").out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("profile yahoo: 20 messages per connection (source: ")), out);
        assertTrue(out.contains("destination: pause 2h"), out);
        JsonNode j = run("schedule", "--json", "--seed", "1", "--stage", "connect", "--host", "mta5.am0.yahoodns.net",
                "--reply", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred").json();
        assertEquals("yahoo", j.get("profile").get("name").asText());
        assertEquals(7200, j.get("attempts").get(0).get("destination").get("pause_s").asInt());
    }

    @Test
    void scheduleOfAThirtyDayHintEndsExpiredAtTheLifetimeWithNoWaitPastMaxWaitHint() throws Exception {
        String out = run("schedule", "--seed", "7", "--stage", "connect", "--reply", "421 4.7.0 try again in 30 days").out();
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("expired at +72h "), out);
        JsonNode j = run("schedule", "--json", "--seed", "7", "--stage", "connect", "--reply", "421 4.7.0 try again in 30 days").json();
        for (JsonNode a : j.get("attempts")) {
            if (a.has("retry_in_s")) assertTrue(a.get("retry_in_s").asLong() <= 4 * 3600, a.toString());
            assertTrue(a.get("destination").get("pause_s").asLong() <= 4 * 3600, "retry.max_pause: " + a);
        }
        assertEquals("expired", j.get("result").get("outcome").asText());
        assertEquals(72 * 3600, j.get("result").get("at_s").asLong());
    }

    @Test
    void classifyWithUserRulesFromTheConfig() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - {name: mine, text: 'try later', category: reputation, wait: 1h}\n");
        Path cfg = dir.resolve("tempfail.yaml");
        Files.writeString(cfg, "retry:\n  rules_file: " + rules + "\n");
        JsonNode j = run("classify", "--config", cfg.toString(), "--stage", "connect", "452 try later").json();
        assertEquals("mine", j.get("rule").asText());
        assertEquals("reputation", j.get("category").asText());
        assertEquals(3600, j.get("wait_s").asLong());
    }

    @Test
    void theWordModelCanBeSwitchedOff() throws Exception {
        // no rule reads "invalid hostname"; the word model, learnt from a corpus that has it, does
        JsonNode on = run("classify", "--stage", "ehlo", "554 invalid hostname").json();
        assertEquals("word model", on.get("rule").asText());
        assertEquals("protocol", on.get("category").asText());
        assertTrue(on.get("note").asText().contains("the rules said unknown"), on.toString());

        Path cfg = dir.resolve("tempfail.yaml");
        Files.writeString(cfg, "retry:\n  word_model: false\n");
        JsonNode off = run("classify", "--config", cfg.toString(), "--stage", "ehlo", "554 invalid hostname").json();
        assertEquals("reply class 5xx", off.get("rule").asText());
        assertEquals("unknown", off.get("category").asText());
    }

    @Test
    void configErrorsAreOneLineAndExit2() throws Exception {
        Path cfg = dir.resolve("tempfail.yaml");
        Files.writeString(cfg, "retry:\n  rules: nope\n");
        Cli bad = run("classify", "--config", cfg.toString(), "451 Try again later.");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().startsWith("tempfail: " + cfg + ": retry.rules: unknown key"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());
        assertEquals("", bad.out());

        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - {name: broken, text: '(', category: policy}\n");
        Files.writeString(cfg, "retry:\n  rules_file: " + rules + "\n");
        Cli badRule = run("schedule", "--config", cfg.toString(), "--reply", "451 Try again later.");
        assertEquals(2, badRule.exitCode());
        assertTrue(badRule.err().startsWith("tempfail: " + rules + ": rule #1 'broken': text: "), badRule.err());
        assertFalse(badRule.err().contains("\tat "));
    }

    @Test
    void badArgumentsExit2() {
        Cli stage = run("classify", "--stage", "helo", "451 Try again later.");
        assertEquals(2, stage.exitCode());
        assertTrue(stage.err().contains("unknown stage 'helo'"), stage.err());
        Cli reply = run("classify", "try again later");
        assertEquals(2, reply.exitCode());
        assertTrue(reply.err().startsWith("tempfail: not an SMTP reply"), reply.err());
    }

    @Test
    void scheduleGreylistingThenDelivery() throws Exception {
        String grey = "451 4.7.1 Greylisted, try again after some time.";
        JsonNode j = run("schedule", "--seed", "7", "--json", "--reply", grey, "--reply", grey, "--reply", "250 2.1.5 Ok").json();
        JsonNode attempts = j.get("attempts");
        assertEquals(3, attempts.size());
        assertEquals(0, attempts.get(0).get("at_s").asLong());
        assertEquals("+0s", attempts.get(0).get("at").asText());
        long first = attempts.get(0).get("retry_in_s").asLong();
        long second = attempts.get(1).get("retry_in_s").asLong();
        assertTrue(first >= 306 && first <= 414, "6m +-15%: " + first);
        assertTrue(second >= 765 && second <= 1035, "15m +-15%: " + second);
        assertEquals(first, attempts.get(1).get("at_s").asLong());
        assertEquals(first + second, attempts.get(2).get("at_s").asLong());
        assertEquals("greylisted", attempts.get(0).get("category").asText());
        assertEquals("delivered", j.get("result").get("outcome").asText());
        assertEquals(3, j.get("result").get("attempts").asInt());
        assertEquals(7, j.get("seed").asLong());
        assertEquals(run("schedule", "--seed", "7", "--json", "--reply", grey, "--reply", grey, "--reply", "250 2.1.5 Ok").out(),
                run("schedule", "--seed", "7", "--json", "--reply", grey, "--reply", grey, "--reply", "250 2.1.5 Ok").out(),
                "the same seed gives the same timeline");
    }

    @Test
    void scheduleUntilExpiry() throws Exception {
        Cli r = run("schedule", "--seed", "1", "--json", "--reply", "452 4.2.2 The email account that you tried to reach is over quota").ok();
        JsonNode j = r.json();
        JsonNode result = j.get("result");
        assertEquals("expired", result.get("outcome").asText());
        assertEquals("+72h", result.get("at").asText());
        assertEquals(72 * 3600, result.get("at_s").asLong());
        assertEquals("4.4.7", result.get("status").asText());
        assertEquals("452 4.2.2 The email account that you tried to reach is over quota", result.get("last_reply").asText());
        JsonNode attempts = j.get("attempts");
        int warnings = 0;
        for (JsonNode a : attempts) if (a.path("delay_warning").asBoolean(false)) warnings++;
        assertEquals(1, warnings, "one delay warning");
        JsonNode beforeLast = attempts.get(attempts.size() - 2);
        assertEquals(72 * 3600, beforeLast.get("at_s").asLong() + beforeLast.get("retry_in_s").asLong());
    }

    @Test
    void scheduleTextShowsThrottleAndFailure() {
        Cli r = run("schedule", "--seed", "3", "--reply",
                "421 4.7.1 Messages to x deferred due to excessive volume. Try again later", "--reply", "550 5.1.1 user unknown").ok();
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[0].startsWith("lifetime 72h, delay warning 4h, seed 3"), lines[0]);
        assertTrue(lines[2].contains("transient rate_limited 4.7.1") && lines[2].contains("pause 15m, max 1 connection"), lines[2]);
        assertTrue(lines[3].contains("permanent bad_mailbox 5.1.1"), lines[3]);
        assertTrue(lines[lines.length - 1].matches("failed at \\+\\d+m(\\d+s)? \\(attempt 2\\): bad_mailbox 5.1.1"), lines[lines.length - 1]);
    }

    @Test
    void scheduleAtOnceInANewTransaction() throws Exception {
        JsonNode j = run("schedule", "--json", "--reply", "452 4.5.3 Error: too many recipients", "--reply", "250 2.1.5 Ok").json();
        JsonNode first = j.get("attempts").get(0);
        assertEquals(0, first.get("retry_in_s").asLong());
        assertTrue(first.get("new_transaction").asBoolean());
        assertEquals(0, j.get("result").get("at_s").asLong());
    }

    @Test
    void offsetsAreShortAndExact() {
        assertEquals("+0s", Durations.offset(java.time.Duration.ZERO));
        assertEquals("+6m", Durations.offset(java.time.Duration.ofMinutes(6)));
        assertEquals("+1h21m5s", Durations.offset(java.time.Duration.ofSeconds(4865)));
        assertEquals("+72h", Durations.offset(java.time.Duration.ofHours(72)));
    }
}
