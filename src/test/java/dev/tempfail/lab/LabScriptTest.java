package dev.tempfail.lab;

import dev.tempfail.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabScriptTest {
    @TempDir Path dir;

    @Test
    void everyPresetLoadsByNameAndMatchesItsFile() throws Exception {
        for (String name : LabScript.PRESETS) {
            LabScript s = LabScript.load(name);
            assertEquals(name, s.name());
            assertTrue(!s.rules().isEmpty() && !s.description().isEmpty(), name);
            Path file = Path.of("config/lab/" + name + ".yaml");
            assertTrue(Files.exists(file), "shipped as a starting file: " + file);
            assertEquals(s.rules().size(), LabScript.load(file.toString()).rules().size());
        }
        try (var files = Files.list(Path.of("config/lab"))) {
            assertEquals(LabScript.PRESETS.size(), files.count(), "every file under config/lab is a listed preset");
        }
    }

    @Test
    void thePresetsSayWhatTheIssueAsks() {
        assertEquals(new Behaviour.Fixed("452 try later", Duration.ZERO), LabScript.preset("icloud-reputation").rules().get(0).at(LabStage.CONNECT).orElseThrow());
        Behaviour grey = LabScript.preset("greylist").rules().get(0).at(LabStage.RCPT).orElseThrow();
        assertEquals(Duration.ofMinutes(5), ((Behaviour.Greylist) grey).window());
        Behaviour top = LabScript.preset("top-of-hour").rules().get(0).at(LabStage.MAIL).orElseThrow();
        assertEquals(Set.of(0, 1, 2, 3, 4), ((Behaviour.Minutes) top).minutes());
        Behaviour rate = LabScript.preset("rate-limit-2h").rules().get(0).at(LabStage.DATA).orElseThrow();
        assertEquals(2, ((Behaviour.RateLimit) rate).perHour());
        assertTrue(((Behaviour.RateLimit) rate).reply().startsWith("450 4.7.1") && ((Behaviour.RateLimit) rate).reply().endsWith("(2/h)"));
        assertTrue(((Behaviour.Fixed) LabScript.preset("over-quota").rules().get(0).at(LabStage.RCPT).orElseThrow()).reply().startsWith("452 4.2.2"));
        assertTrue(((Behaviour.Fixed) LabScript.preset("user-unknown").rules().get(0).at(LabStage.RCPT).orElseThrow()).reply().startsWith("550 5.1.1"));
        assertTrue(((Behaviour.Fixed) LabScript.preset("dmarc-reject").rules().get(0).at(LabStage.DATA).orElseThrow()).reply().contains("DMARC policy"));
        assertTrue(((Behaviour.Sequence) LabScript.preset("icloud-volume").rules().get(0).at(LabStage.RCPT).orElseThrow()).replies().get(0)
                .startsWith("421 4.7.1 Messages to {rcpt} deferred due to excessive volume"));
    }

    @Test
    void aScriptWithEveryKindOfRule() {
        LabScript s = LabScript.parse("t.yaml", "t", """
                description: all kinds
                recipients: [a@x.example, b@x.example]
                start_minute: 58
                rules:
                  - name: one
                    address: A@x.example
                    rcpt: ["451 4.3.0 try again", "250 2.1.5 Ok"]
                  - name: two
                    local: b
                    rcpt: {greylist: 10m, delay: 2s}
                  - name: three
                    regex: '^c[0-9]+@'
                    data: {rate_limit: 3/h}
                  - name: every
                    connect: {max_connections: 2}
                    mail: {minutes: "0-4,30"}
                    ehlo: {delay: 100ms}
                """);
        assertEquals(List.of("a@x.example", "b@x.example"), s.recipients());
        assertEquals(58, s.startMinute());
        assertInstanceOf(LabScript.Match.Address.class, s.rules().get(0).match());
        assertTrue(s.rules().get(0).match().matches("a@X.example"));
        assertTrue(s.rules().get(1).match().matches("B@y.example"));
        assertTrue(s.rules().get(2).match().matches("c12@z.example"));
        assertEquals(new Behaviour.Greylist(Duration.ofMinutes(10),
                ((Behaviour.Greylist) s.rules().get(1).at(LabStage.RCPT).orElseThrow()).reply(), Duration.ofSeconds(2)),
                s.rules().get(1).at(LabStage.RCPT).orElseThrow());
        assertTrue(((Behaviour.RateLimit) s.rules().get(2).at(LabStage.DATA).orElseThrow()).reply().endsWith("(3/h)"), "the default refusal names the rate");
        assertEquals(Set.of(0, 1, 2, 3, 4, 30), ((Behaviour.Minutes) s.rules().get(3).at(LabStage.MAIL).orElseThrow()).minutes());
        assertEquals(new Behaviour.DelayOnly(Duration.ofMillis(100)), s.rules().get(3).at(LabStage.EHLO).orElseThrow());
        assertEquals(List.of("a@x.example", "b@x.example", "a@x.example"), s.recipientsFor(3));
    }

    @Test
    void recipientsComeFromTheRulesOrAreNumbered() {
        LabScript named = LabScript.parse("t", "t", "rules: [{address: q@lab.example, rcpt: '452 4.2.2 full'}, {local: bob, rcpt: '550 5.1.1 no'}]");
        assertEquals(List.of("q@lab.example", "bob@lab.example", "q@lab.example"), named.recipientsFor(3));
        assertEquals(List.of("user1@lab.example", "user2@lab.example"), LabScript.preset("greylist").recipientsFor(2));
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> LabScript.parse("bad.yaml", "bad", yaml)).getMessage();
    }

    @Test
    void badScriptsSayWhichFileRuleAndWhy() {
        assertEquals("bad.yaml: rule 'q': rcpt: 'four five two' is not an SMTP reply: a 2xx, 4xx or 5xx code, a space and text, "
                + "e.g. \"451 4.7.1 Try again later\"", error("rules: [{name: q, rcpt: four five two}]"));
        assertEquals("bad.yaml: rule 'q': connect: no recipient is known yet at connect, so only a rule for every recipient "
                + "(no address/local/regex) can script it", error("rules: [{name: q, address: a@b.example, connect: '421 4.3.2 no'}]"));
        assertTrue(error("rules: [{name: q, rcpt: {greylist: soon}}]").startsWith("bad.yaml: rule 'q': rcpt.greylist: must be a duration"));
        assertTrue(error("rules: [{name: q, rcpt: {greylst: 5m}}]").startsWith("bad.yaml: rule 'q': rcpt.greylst: unknown key"));
        assertTrue(error("rules: [{name: q, mail: {greylist: 5m}}]").contains("rule 'q': mail.greylist: greylisting needs the recipient"));
        assertTrue(error("rules: [{name: q, rcpt: {max_connections: 3}}]").contains("rule 'q': rcpt.max_connections: only at connect"));
        assertTrue(error("rules: [{name: q, rcpt: {rate_limit: lots}}]").contains("must be a rate like 2/h"));
        assertTrue(error("rules: [{name: q, mail: {minutes: 50-70}}]").contains("minutes run from 0 to 59"));
        assertTrue(error("rules: [{name: q, rcpt: {greylist: 5m, rate_limit: 2/h}}]").contains("give one of"));
        assertTrue(error("rules: [{name: q, rcpt: {greylist: 5m, reply: '250 ok'}}]").contains("rcpt.reply: is the refusal here"));
        assertTrue(error("rules: [{name: q, rcpt: {delay: 1h}}]").contains("at most 15m (delays are real time)"));
        assertTrue(error("rules: [{name: q, address: a@b.example, local: a, rcpt: '550 5.1.1 no'}]").contains("give at most one of address, local, regex"));
        assertTrue(error("rules: [{name: q, regex: '(', rcpt: '550 5.1.1 no'}]").contains("rule 'q': regex: not a valid regular expression"));
        assertEquals("bad.yaml: rule 'q': scripts no stage (connect, ehlo, mail, rcpt or data)", error("rules: [{name: q}]"));
        assertEquals("bad.yaml: rule 'q': two rules have this name", error("rules: [{name: q, rcpt: '550 5.1.1 a'}, {name: q, rcpt: '550 5.1.1 b'}]"));
        assertTrue(error("rules: [{rcpt: '550 5.1.1 a'}, {rcpt: '99 no'}]").startsWith("bad.yaml: rule 'rule 2': rcpt:"), "unnamed rules are numbered");
        assertTrue(error("rule: []").startsWith("bad.yaml: rule: unknown key"));
        assertTrue(error("rules: [").startsWith("bad.yaml: not valid YAML"));
        assertEquals("bad.yaml: rules: missing (use 'rules: []' to accept everything)", error("description: x"));
        assertTrue(error("start_minute: 60\nrules: []").contains("start_minute: must be a minute of the hour"));
        assertTrue(error("rules: [{name: q, rcpt: ['451 4.3.0 a', '354 go on']}]").contains("rule 'q': rcpt[2]: '354 go on' is not an SMTP reply"));
    }

    @Test
    void theReadmeExampleIsAValidScript() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("```yaml\ndescription: bob's mailbox");
        assertTrue(at >= 0, "the README's example script");
        String yaml = readme.substring(at + "```yaml\n".length(), readme.indexOf("```", at + 7));
        LabScript s = LabScript.parse("README.md", "readme", yaml);
        assertEquals(3, s.rules().size());
        assertEquals(List.of("bob@lab.example", "ann@lab.example"), s.recipients());
    }

    @Test
    void anUnknownPresetOrAMissingFile() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> LabScript.load("greylisting"));
        assertTrue(e.getMessage().startsWith("greylisting: no such preset or file (presets: icloud-reputation, "), e.getMessage());
        assertEquals(dir.resolve("none.yaml") + ": no such file",
                assertThrows(ConfigException.class, () -> LabScript.load(dir.resolve("none.yaml").toString())).getMessage());
        Path mine = dir.resolve("mine.yaml");
        Files.writeString(mine, "rules: [{rcpt: '452 4.2.2 full'}]\n");
        assertEquals("mine", LabScript.load(mine.toString()).name());
    }
}
