package dev.tempfail.reply;

import dev.tempfail.config.ConfigException;
import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.RetryConfig;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped provider profiles (config/destinations.yaml): matched by MX host suffix, each with its source. */
class DestinationProfilesTest {
    private static final String TSS04 =
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1";

    @TempDir Path dir;

    @Test
    void everyShippedProfileSaysWhereItsFiguresComeFrom() {
        DestinationProfiles shipped = DestinationProfiles.shipped();
        assertTrue(shipped.profiles().size() >= 8, "profiles: " + shipped.profiles().size());
        Set<String> names = new HashSet<>();
        for (DestinationProfile p : shipped.profiles()) {
            assertTrue(names.add(p.name()), "duplicate " + p.name());
            assertTrue(p.source().contains("http") || p.source().contains("KumoMTA"), p.name() + ": " + p.source());
            assertFalse(p.mxSuffixes().isEmpty(), p.name());
        }
    }

    @Test
    void theLongestMxSuffixDecidesAndUnknownHostsGetNone() {
        DestinationProfiles shipped = DestinationProfiles.shipped();
        assertEquals("google", shipped.match("alt1.aspmx.l.google.com").orElseThrow().name());
        assertEquals("yahoo", shipped.match("MTA7.AM0.YAHOODNS.NET.").orElseThrow().name(), "case and a trailing dot");
        assertEquals("yahoo", shipped.match("mx-aol.mail.gm0.yahoodns.net").orElseThrow().name(), "AOL's MX are Yahoo's");
        assertEquals("apple", shipped.match("mx01.mail.icloud.com").orElseThrow().name());
        assertEquals("office365", shipped.match("example-com.mail.protection.outlook.com").orElseThrow().name());
        assertEquals("outlook", shipped.match("eur.olc.protection.outlook.com").orElseThrow().name());
        assertTrue(shipped.match("notgoogle.com").isEmpty(), "a suffix matches whole labels only");
        assertTrue(shipped.match("mx.example.com").isEmpty());
        assertTrue(shipped.match(null).isEmpty());
        DestinationProfile apple = shipped.match("mx02.mail.icloud.com").orElseThrow();
        assertEquals(10, apple.connections());
        assertEquals(5, apple.messagesPerConnection());
    }

    @Test
    void aProvidersThrottlingCodeMeansWhatItsProfileSaysOnlyForItsHosts() throws Exception {
        ReplyClassifier classifier = new ReplyClassifier(ReplyRules.load((Path) null, DestinationProfiles.shipped()));
        Classification yahoo = classifier.classify(Stage.CONNECT, SmtpReply.parse(TSS04), "mta5.am0.yahoodns.net");
        assertEquals("yahoo-tss04", yahoo.rule());
        assertEquals(Category.RATE_LIMITED, yahoo.category());
        Classification elsewhere = classifier.classify(Stage.CONNECT, SmtpReply.parse(TSS04), "mx.example.com");
        assertEquals("rate-or-volume", elsewhere.rule(), "the same words from another host: the shipped rule");

        RetryConfig retry = ConfigLoader.load(null, Map.of()).retry();
        RetryPolicy policy = new RetryPolicy(retry, new Random(1));
        Instant now = Instant.parse("2026-03-02T09:00:00Z");
        DestinationEffect e = policy.decide(yahoo, RetryState.arrived(now), now).destination().orElseThrow();
        assertEquals(now.plus(Duration.ofHours(2)), e.pauseUntil(), "Yahoo's TSS04 suspends the destination for 2 hours");

        Classification gmail = classifier.classify(Stage.DATA, SmtpReply.parse("421 4.7.28 Gmail has detected an unusual rate "
                + "of unsolicited mail originating from your DKIM domain. - gsmtp"), "gmail-smtp-in.l.google.com");
        assertEquals("gmail-unsolicited-rate", gmail.rule());
        assertEquals(now.plus(Duration.ofHours(1)), policy.decide(gmail, RetryState.arrived(now), now).destination()
                .orElseThrow().pauseUntil(), "Gmail's 4.7.28 pauses the destination");
        Classification microsoft = classifier.classify(Stage.MAIL, SmtpReply.parse("451 4.7.650 The mail server [192.0.2.1] "
                + "has been temporarily rate limited due to IP reputation. (S775)"), "eur.olc.protection.outlook.com");
        assertEquals("outlook-ip-rate-limited", microsoft.rule());
    }

    @Test
    void aUserProfileReplacesTheShippedOneOfItsNameAndComesFirst() throws Exception {
        Path mine = dir.resolve("destinations.yaml");
        Files.writeString(mine, """
                profiles:
                  - name: yahoo
                    mx: .yahoodns.net
                    source: our own measurements, 2026-11
                    connections: 2
                  - name: partner
                    mx: [mx.partner.example]
                    source: the partner's admin
                    messages_per_connection: 3
                    replies:
                      - name: partner-busy
                        text: 'come back tomorrow'
                        category: server_busy
                        wait: 3h
                """);
        DestinationProfiles loaded = DestinationProfiles.load(mine);
        DestinationProfile yahoo = loaded.match("mta5.am0.yahoodns.net").orElseThrow();
        assertEquals(2, yahoo.connections());
        assertEquals(0, yahoo.messagesPerConnection(), "the whole shipped profile is replaced");
        assertTrue(yahoo.replies().isEmpty());
        assertEquals(3, loaded.match("mx.partner.example").orElseThrow().messagesPerConnection());
        assertEquals("google", loaded.match("aspmx.l.google.com").orElseThrow().name(), "other shipped profiles stay");
        ReplyClassifier c = new ReplyClassifier(ReplyRules.load((Path) null, loaded));
        assertEquals("partner-busy", c.classify(Stage.CONNECT, SmtpReply.parse("421 come back tomorrow"), "mx.partner.example").rule());
        assertEquals("rate-or-volume", c.classify(Stage.CONNECT, SmtpReply.parse(TSS04), "mta5.am0.yahoodns.net").rule(),
                "the replaced profile's rules are gone too");
    }

    @Test
    void aBadProfileFileStopsWithTheFileTheProfileAndTheReason() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "profiles:\n  - name: x\n    mx: .x.example\n    source: me\n    connectoins: 2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> DestinationProfiles.load(bad));
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("profile #1")
                && e.getMessage().contains("connectoins"), e.getMessage());
        Files.writeString(bad, "profiles:\n  - name: x\n    mx: .x.example\n");
        assertTrue(assertThrows(ConfigException.class, () -> DestinationProfiles.load(bad)).getMessage().contains("source"));
        Files.writeString(bad, "profiles:\n  - name: x\n    source: me\n");
        assertTrue(assertThrows(ConfigException.class, () -> DestinationProfiles.load(bad)).getMessage().contains("mx"));
    }
}
