package dev.tempfail.reply;

import dev.tempfail.config.ConfigException;
import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ReplyRulesTest {
    @TempDir Path dir;

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private static final SmtpReply GREYLISTED = SmtpReply.parse("451 4.7.1 Greylisted, try again after some time.");

    @Test
    void shippedRulesLoadFromTheJarAndHaveUniqueNames() {
        List<ReplyRule> rules = ReplyRules.shipped().rules();
        assertTrue(rules.size() >= 15, "only " + rules.size() + " shipped rules");
        Set<String> names = new HashSet<>();
        for (ReplyRule r : rules) {
            assertTrue(names.add(r.name()), "duplicate " + r.name());
            assertEquals("embedded defaults" + ReplyRules.SHIPPED, r.source());
        }
    }

    @Test
    void userRulesAreTriedBeforeTheShippedOnes() throws Exception {
        Path mine = write("mine.yaml", """
                rules:
                  - name: our-partner-greylists-slowly
                    host: '\\.partner\\.example$'
                    text: greylist
                    category: greylisted
                    wait: 20m
                    note: partner needs 20 minutes
                  - name: partner-says-busy-means-reputation
                    stage: [connect, mail]
                    code: 45x
                    status: "4.7.*"
                    text: 'service unavailable'
                    category: reputation
                """);
        ReplyClassifier classifier = new ReplyClassifier(ReplyRules.load(mine));
        Classification partner = classifier.classify(Stage.RCPT, GREYLISTED, "mx1.partner.example");
        assertEquals("our-partner-greylists-slowly", partner.rule());
        assertEquals(Duration.ofMinutes(20), partner.waitHint());
        assertEquals("partner needs 20 minutes", partner.note());
        Classification other = classifier.classify(Stage.RCPT, GREYLISTED, "mx.example.org");
        assertEquals("greylisting", other.rule(), "elsewhere the shipped rule still decides");
        assertNull(other.waitHint());

        SmtpReply unavailable = SmtpReply.parse("451 4.7.1 Service unavailable - try again later");
        assertEquals(Category.REPUTATION, classifier.classify(Stage.MAIL, unavailable, null).category());
        assertEquals(Category.SERVER_BUSY, classifier.classify(Stage.RCPT, unavailable, null).category(), "stage not listed");
        assertEquals(Category.SERVER_BUSY, classifier.classify(Stage.MAIL,
                SmtpReply.parse("421 4.7.1 Service unavailable - try again later"), null).category(), "code 421 is not 45x");
        assertEquals(Category.SERVER_BUSY, classifier.classify(Stage.MAIL,
                SmtpReply.parse("451 4.3.0 Service unavailable - try again later"), null).category(), "status 4.3.0 is not 4.7.*");
    }

    @Test
    void aRuleWaitNeverShortensTheReplysOwnHint() throws Exception {
        Path mine = write("mine.yaml", """
                rules:
                  - {name: slow, text: greylist, category: greylisted, wait: 10m}
                """);
        ReplyClassifier classifier = new ReplyClassifier(ReplyRules.load(mine));
        assertEquals(Duration.ofMinutes(10), classifier.classify(Stage.RCPT, GREYLISTED, null).waitHint());
        assertEquals(Duration.ofMinutes(30), classifier.classify(Stage.RCPT,
                SmtpReply.parse("451 4.7.1 Greylisted, please retry in 30 minutes"), null).waitHint());
    }

    @Test
    void statusNoneMatchesRepliesWithoutAnEnhancedCode() {
        ReplyRules rules = ReplyRules.of(ReplyRules.parse("""
                rules:
                  - {name: bare, status: none, code: 4xx, category: server_busy}
                """, "test"));
        ReplyClassifier classifier = new ReplyClassifier(rules);
        assertEquals("bare", classifier.classify(Stage.RCPT, SmtpReply.parse("450 whatever"), null).rule());
        assertEquals("rfc3463 x.7.1", classifier.classify(Stage.RCPT, SmtpReply.parse("450 4.7.1 whatever"), null).rule());
    }

    @Test
    void aRuleThatYieldsToStatusGivesWayOnlyToASpecificEnhancedCode() {
        ReplyRules rules = ReplyRules.of(ReplyRules.parse("""
                rules:
                  - {name: vague, text: 'not allowed', category: policy, yields_to_status: true}
                  - {name: clear, text: 'inactive', category: bad_mailbox}
                """, "test"));
        ReplyClassifier classifier = new ReplyClassifier(rules);
        Classification sequence = classifier.classify(Stage.RCPT, SmtpReply.parse("503 5.5.1 Command not allowed here"), null);
        assertEquals("rfc3463 x.5.*", sequence.rule());
        assertEquals(Category.PROTOCOL, sequence.category());
        // x.y.0 is the subject's "other or undefined" status; no code at all says nothing either
        assertEquals("vague", classifier.classify(Stage.RCPT, SmtpReply.parse("550 5.7.0 Not allowed"), null).rule());
        assertEquals("vague", classifier.classify(Stage.RCPT, SmtpReply.parse("554 Message not allowed"), null).rule());
        // clear wording wins over a loosely used code
        Classification inactive = classifier.classify(Stage.RCPT, SmtpReply.parse("550 5.7.1 Recipient inactive"), null);
        assertEquals(Category.BAD_MAILBOX, inactive.category());
    }

    @Test
    void rulesFileIsNamedInTheConfiguration() throws Exception {
        Path mine = write("mine.yaml", "rules:\n  - {name: everything-busy, code: 4xx, category: server_busy}\n");
        Path cfg = write("tempfail.yaml", "retry:\n  rules_file: " + mine + "\n");
        TempfailConfig config = ConfigLoader.load(cfg, Map.of());
        assertEquals(mine, config.retry().rulesFile().orElseThrow());
        assertEquals("everything-busy", new ReplyClassifier(ReplyRules.load(config.retry()))
                .classify(Stage.RCPT, GREYLISTED, null).rule());
        assertTrue(ConfigLoader.defaults().retry().rulesFile().isEmpty());
    }

    private ConfigException error(String yaml) throws Exception {
        Path f = write("bad.yaml", yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> ReplyRules.load(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void badYamlNamesFileAndLine() throws Exception {
        ConfigException e = error("rules:\n  - name: x\n    text: [unclosed\n");
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void unknownRuleKeyNamesTheRule() throws Exception {
        ConfigException e = error("""
                rules:
                  - {name: fine, text: a, category: policy}
                  - {name: typo, txt: greylist, category: greylisted}
                """);
        assertEquals("rule #2 'typo'", e.key());
        assertTrue(e.reason().contains("unknown key 'txt'"), e.reason());
    }

    @Test
    void badRegexNamesTheRuleAndTheKey() throws Exception {
        ConfigException e = error("rules:\n  - {name: broken, text: 'greylist(', category: greylisted}\n");
        assertEquals("rule #1 'broken'", e.key());
        assertTrue(e.reason().startsWith("text: not a valid regular expression"), e.reason());
        ConfigException h = error("rules:\n  - {name: broken-host, host: '[x', category: greylisted}\n");
        assertTrue(h.reason().startsWith("host: "), h.reason());
    }

    @Test
    void otherMistakesAreReportedWithTheirReason() throws Exception {
        assertTrue(error("rules:\n  - {name: c, text: a, category: sunny}\n").reason().contains("unknown category 'sunny'"));
        assertTrue(error("rules:\n  - {text: a, category: policy}\n").reason().startsWith("name: required"));
        assertTrue(error("rules:\n  - {name: n, category: policy}\n").reason().contains("at least one condition"));
        assertTrue(error("rules:\n  - {name: n, code: 4x, category: policy}\n").reason().startsWith("code: '4x'"));
        assertTrue(error("rules:\n  - {name: n, status: '5.1', category: policy}\n").reason().startsWith("status: "));
        assertTrue(error("rules:\n  - {name: n, stage: helo, category: policy}\n").reason().contains("unknown stage 'helo'"));
        assertTrue(error("rules:\n  - {name: n, text: a, category: policy, wait: soon}\n").reason().startsWith("wait: "));
        assertTrue(error("rules:\n  - {name: n, text: a, category: policy}\n  - {name: n, text: b, category: policy}\n")
                .reason().contains("same name"));
        assertEquals("rulez", error("rulez: []\n").key());
        assertTrue(assertThrows(ConfigException.class, () -> ReplyRules.load(dir.resolve("missing.yaml")))
                .getMessage().contains("no such file"));
    }

    @Test
    void valuesOfTheWrongShapeNameTheKeyAndWhatItShouldBe() throws Exception {
        assertEquals("text: must be a single value", error("rules:\n  - {name: n, text: [a, b], category: policy}\n").reason());
        assertEquals("new_transaction: must be true or false",
                error("rules:\n  - {name: n, text: a, category: policy, new_transaction: maybe}\n").reason());
        assertEquals("stage: must be a value or a list of values",
                error("rules:\n  - {name: n, stage: [{rcpt: 1}], category: policy}\n").reason());
        assertTrue(error("rules:\n  - just a string\n").reason().startsWith("must be a mapping"));
        assertTrue(error("- {name: n, text: a, category: policy}\n").reason().startsWith("must be a mapping with one key, `rules:`"));
        assertEquals("stage: an empty list would never match", error("rules:\n  - {name: n, stage: [], category: policy}\n").reason());
    }

    @Test
    void anEmptyUserFileAddsNothing() throws Exception {
        assertEquals(ReplyRules.shipped().rules().size(), ReplyRules.load(write("empty.yaml", "")).rules().size());
    }

    /** Every basic code a rule can match, given its code condition: the codes that decide an outcome. */
    private static final int[] CODES = {421, 450, 451, 452, 454, 500, 501, 503, 504, 550, 551, 552, 553, 554};

    @Test
    void everyShippedRulesCategoryFitsEveryOutcomeItCanBeUsedFor() {
        for (ReplyRule rule : ReplyRules.shipped().rules()) {
            for (int code : CODES) {
                boolean codeMatches = rule.codes().isEmpty()
                        || rule.codes().stream().anyMatch(p -> p.matcher(Integer.toString(code)).matches());
                if (!codeMatches) continue;
                Outcome outcome = code >= 500 ? Outcome.PERMANENT : Outcome.TRANSIENT;
                if (rule.category().fits(outcome)) continue;
                // a rule that could see a reply its category does not fit must say so in the file ...
                fail("rule " + rule.name() + " (" + rule.category() + ") can match a " + code
                        + " reply: give it code: 4xx (" + rule.category() + " fits only temporary replies)");
            }
        }
    }

    @Test
    void aRuleWhoseCategoryDoesNotFitIsSkippedForThatOutcome() throws Exception {
        Path mine = write("mine.yaml", """
                rules:
                  - name: everything-here-is-greylisting
                    text: 'try later'
                    category: greylisted
                """);
        ReplyClassifier c = new ReplyClassifier(ReplyRules.load(mine));
        assertEquals(Category.GREYLISTED, c.classify(Stage.RCPT, SmtpReply.parse("450 4.7.1 try later"), null).category());
        Classification permanent = c.classify(Stage.RCPT, SmtpReply.parse("550 5.7.1 try later"), null);
        assertEquals(Outcome.PERMANENT, permanent.outcome());
        assertEquals(Category.POLICY, permanent.category(), "the next rule or fallback that fits: " + permanent);
        assertThrows(IllegalArgumentException.class, () -> new Classification(Outcome.PERMANENT, Category.SERVER_BUSY,
                "5.3.0", null, 0, "test", null, false, Stage.DATA, SmtpReply.parse("554 5.3.0 busy")),
                "a permanent server_busy cannot even be built");
    }

    @Test
    void everyClassifiedCorpusRowHasACategoryThatFitsItsOutcome() throws Exception {
        ReplyClassifier classifier = ReplyClassifier.shipped();
        for (String part : List.of("train", "heldout")) {
            for (ReplyModel.Example r : SeedRepliesTest.rows(java.nio.file.Path.of(
                    ReplyRulesTest.class.getResource("/replies/replies-" + part + ".tsv").toURI()))) {
                assertTrue(r.categories().stream().allMatch(cat -> cat.fits(r.outcome())),
                        "the corpus itself expects a fitting category: line " + r.line() + " of " + part);
                Classification c = classifier.classify(r.stage(), r.reply(), null);
                assertTrue(c.category().fits(c.outcome()), c.toString());
            }
        }
    }
}

