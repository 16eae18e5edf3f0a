package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules and the RFC fallbacks, each step on replies written for it. The rules are
 * read alone here (no word model): these cases say what each rule and fallback does; the word
 * model's own cases are in {@link ReplyModelTest}, and the two together are measured on real
 * replies in {@link ReplyCorpusTest}, {@link RealWorldRepliesTest} and {@link SeedRepliesTest}.
 */
class ReplyClassifierTest {
    private final ReplyClassifier classifier = new ReplyClassifier(ReplyRules.shipped(), null);

    private Classification classify(Stage stage, String reply) {
        return classifier.classify(stage, SmtpReply.parse(reply), null);
    }

    @Test
    void basicCodeDecidesTheOutcome() {
        Classification ok = classify(Stage.DATA, "250 2.0.0 Ok: queued as 4XYZ");
        assertEquals(Outcome.DELIVERED, ok.outcome());
        assertNull(ok.category());
        assertEquals("2.0.0", ok.status());
        assertEquals("2.0.0", classify(Stage.DATA, "250 Ok").status());
        assertEquals(Outcome.TRANSIENT, classify(Stage.RCPT, "451 4.3.0 Try again later").outcome());
        assertEquals(Outcome.PERMANENT, classify(Stage.RCPT, "550 5.1.1 User unknown").outcome());
    }

    @Test
    void mismatchedEnhancedCodeNeverChangesTheOutcome() {
        Classification c = classify(Stage.RCPT, "450 5.7.1 <a@example.org>: Recipient address rejected: Access denied");
        assertEquals(Outcome.TRANSIENT, c.outcome());
        assertEquals("4.7.1", c.status(), "the status takes the class of the outcome");
        assertTrue(c.note().contains("disagrees"), c.note());
        Classification p = classify(Stage.RCPT, "550 4.2.2 mailbox full");
        assertEquals(Outcome.PERMANENT, p.outcome());
        assertEquals("5.2.2", p.status());
        assertEquals(Category.MAILBOX_FULL, p.category());
    }

    @Test
    void code552ToRcptIsTakenAs452() {
        Classification rcpt = classify(Stage.RCPT, "552 5.2.2 <a@example.org>: Mailbox full");
        assertEquals(Outcome.TRANSIENT, rcpt.outcome());
        assertEquals(Category.MAILBOX_FULL, rcpt.category());
        assertEquals("4.2.2", rcpt.status());
        assertTrue(rcpt.note().contains("RFC 5321"), rcpt.note());

        Classification bare = classify(Stage.RCPT, "552 Requested mail action aborted: exceeded storage allocation");
        assertEquals(Outcome.TRANSIENT, bare.outcome());
        assertEquals(Category.MAILBOX_FULL, bare.category());
        assertEquals("4.2.2", bare.status(), "no enhanced code: reported as 4.2.2");

        Classification nothing = classify(Stage.RCPT, "552 zzz");
        assertEquals("4.2.2", nothing.status());
        assertEquals(Category.MAILBOX_FULL, nothing.category(), "the 4.2.2 fallback");

        Classification data = classify(Stage.DATA, "552 5.2.2 <a@example.org>: Mailbox full");
        assertEquals(Outcome.PERMANENT, data.outcome(), "only at RCPT");
        assertEquals("5.2.2", data.status());
    }

    @Test
    void missingEnhancedCodeIsDerivedFromTheClass() {
        assertEquals("4.0.0", classify(Stage.RCPT, "451 Try again later.").status());
        assertEquals("5.0.0", classify(Stage.RCPT, "550 Unrouteable address").status());
    }

    @Test
    void enhancedCodeAtTheEndOrWithAHashIsRead() {
        Classification qmail = classify(Stage.RCPT, "550 sorry, no mailbox here by that name. (#5.1.1)");
        assertEquals("5.1.1", qmail.status());
        Classification chkuser = classify(Stage.RCPT, "550 zzz (#5.1.1 - chkuser)");
        assertEquals("5.1.1", chkuser.status());
        assertEquals(Category.BAD_MAILBOX, chkuser.category());
        Classification exchange = classify(Stage.RCPT, "550 #5.1.0 Address rejected.");
        assertEquals("5.1.0", exchange.status());
        assertEquals(Category.BAD_MAILBOX, exchange.category());
    }

    /** Texts no rule recognises ("zzz"), so the enhanced code alone decides. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "550 5.1.1 zzz, bad_mailbox, rfc3463 x.1.1",
            "550 5.1.0 zzz, bad_mailbox, rfc3463 x.1.0",
            "550 5.1.3 zzz, bad_mailbox, rfc3463 x.1.3",
            "550 5.1.6 zzz, bad_mailbox, rfc3463 x.1.6",
            "550 5.1.2 zzz, bad_domain, rfc3463 x.1.2",
            "556 5.1.10 zzz, bad_domain, rfc3463 x.1.10",
            "553 5.1.8 zzz, policy, rfc3463 x.1.8",
            "452 4.2.2 zzz, mailbox_full, rfc3463 x.2.2",
            "552 5.2.2 zzz, mailbox_full, rfc3463 x.2.2",
            "450 4.2.1 zzz, server_busy, rfc3463 4.2.*",
            "550 5.2.1 zzz, bad_mailbox, rfc3463 5.2.*",
            "450 4.2.0 zzz, server_busy, rfc3463 4.2.*",
            "552 5.2.3 zzz, message_too_large, rfc3463 x.2.3",
            "552 5.3.4 zzz, message_too_large, rfc3463 x.3.4",
            "452 4.3.1 zzz, server_busy, rfc3463 4.3.*",
            "553 5.3.5 zzz, unknown, rfc3463 5.3.*",
            "554 5.4.6 zzz, loop, rfc3463 x.4.6",
            "421 4.4.1 zzz, network, rfc3463 x.4.*",
            "451 4.4.7 zzz, network, rfc3463 x.4.*",
            "452 4.5.3 zzz, too_many_recipients, rfc3463 x.5.3",
            "501 5.5.4 zzz, protocol, rfc3463 x.5.*",
            "554 5.6.0 zzz, protocol, rfc3463 x.6.*",
            "550 5.7.1 zzz, policy, rfc3463 x.7.1",
            "451 4.7.1 zzz, policy, rfc3463 x.7.1",
            "550 5.7.0 zzz, policy, rfc3463 x.7.*",
            "550 5.7.23 zzz, auth_failure, rfc3463 x.7.23",
            "550 5.7.25 zzz, auth_failure, rfc3463 x.7.25",
            "550 5.7.26 zzz, auth_failure, rfc3463 x.7.26",
            "550 5.7.27 zzz, policy, rfc3463 x.7.27",
            "452 4.7.28 zzz, rate_limited, rfc3463 x.7.28",
            "550 5.7.29 zzz, auth_failure, rfc3463 x.7.29",
            "530 5.7.10 zzz, protocol, rfc3463 x.7.10",
            "451 4.4.3 zzz, server_busy, rfc3463 x.4.3",
            "554 5.0.0 zzz, unknown, reply class 5xx",
            "554 zzz, unknown, reply class 5xx",
            "450 zzz, unknown, reply class 4xx",
    })
    void rfc3463FallbacksDecideWhatNoRuleRecognises(String reply, String category, String rule) {
        Classification c = classify(Stage.DATA, reply);
        assertEquals(Category.parse(category), c.category(), c.toString());
        assertEquals(rule, c.rule());
    }

    /**
     * Without wording or a usable enhanced code, the basic code's RFC 5321 meaning at the command
     * it answered decides; a code whose subject cannot apply to that command is no evidence.
     */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "rcpt|550 zzz|bad_mailbox|rfc5321 550 at rcpt",
            "rcpt|553 5.0.0 zzz|bad_mailbox|rfc5321 553 at rcpt",
            "mail|550 zzz|policy|rfc5321 550 at mail",
            "data|550 zzz|policy|rfc5321 550 at data",
            "data|552 zzz|message_too_large|rfc5321 552 at data",
            "data|554 zzz|unknown|reply class 5xx",
            "mail|555 zzz|protocol|rfc5321 555",
            "rcpt|556 zzz|bad_domain|rfc7504 556",
            "connect|421 zzz|server_busy|rfc5321 421",
            "data|451 zzz|server_busy|rfc5321 451",
            "rcpt|503 5.5.3 zzz|too_many_recipients|rfc3463 x.5.3",
            "mail|503 5.5.3 zzz|protocol|rfc5321 503",
            "mail|550 5.5.3 zzz|policy|rfc5321 550 at mail",
            "connect|554 5.1.1 zzz|unknown|reply class 5xx",
            "starttls|502 5.7.0 zzz|protocol|rfc3463 x.7.0 at starttls",
    })
    void theBasicCodeAtItsCommandDecidesWhatNothingElseExplains(String stage, String reply, String category, String rule) {
        Classification c = classify(Stage.parse(stage), reply);
        assertEquals(Category.parse(category), c.category(), c.toString());
        assertEquals(rule, c.rule());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // clear wording wins over an enhanced code the server used loosely
            "rcpt|540 5.7.1 <a@example.org>: recipient address rejected: Inactive|bad_mailbox",
            "rcpt|553 5.1.2 The recipient address <a@example.org> is not a valid RFC-5321 address.|bad_mailbox",
            "rcpt|450 4.7.3 Organization queue quota exceeded.|rate_limited",
            "data|451 4.7.0 Internal error during policy check|server_busy",
            // vague wording gives way to a specific code
            "rcpt|503 5.5.1 Invalid command: Command not allowed at this point.|protocol",
            "rcpt|550 5.1.1 Access denied|bad_mailbox",
            // ... but not to a code that cannot apply to the command it answered
            "mail|503 5.5.3 Your address has been blocked|reputation",
    })
    void clearWordingWinsOverTheCodeAndVagueWordingYieldsToIt(String stage, String reply, String category) {
        Classification c = classify(Stage.valueOf(stage.toUpperCase(java.util.Locale.ROOT)), reply);
        assertEquals(Category.parse(category), c.category(), c.toString());
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // at MAIL the address is our sender: a bad mailbox or domain there refuses our sender
            "mail|501 5.1.7 Malformed sender address|policy",
            "mail|550 5.1.2 Domain not found|policy",
            "mail|553 Unknown user <a@example.org>|policy",
            "rcpt|553 Unknown user <a@example.org>|bad_mailbox",
            "rcpt|550 5.1.2 Domain not found|bad_domain",
            // a list keyed by an address, or a tenant's or user's own list, is the receiver's policy
            "rcpt|550 5.7.1 sender <a@example.org> is blacklisted|policy",
            "rcpt|550 5.7.1 Recipient <b@example.com> black listed here|policy",
            "rcpt|550 5.7.1 Rejected by the organization's tenant block list|policy",
            // a public DNSBL named, or our literal IP refused, is the IP's reputation
            "connect|550 The sender is on a black list at dnsbl.example.net|reputation",
            "connect|554 Unauthenticated mail from 192.0.2.1 is refused|reputation",
            "connect|550 Host 192.0.2.1 banned|reputation",
            // ... but an IP "not allowed to send" for a domain is that domain's authorisation
            "mail|550 5.7.1 192.0.2.1 is not allowed to send mail from example.org per its SPF record|auth_failure",
            // the receiver's own DKIM or ARC signing failed: its trouble, not our authentication
            "data|451 4.3.0 Failed to create DKIM signature|server_busy",
            "data|451 DKIM signing error, try later|server_busy",
            // greylisting without the word
            "rcpt|451 4.7.1 You reconnected too soon. Try again later|greylisted",
            "rcpt|450 Temporarily rejected, please try again|greylisted",
            "rcpt|450 4.7.1 Recipient temporarily rejected: over quota|mailbox_full",
            // codeless counts over a time unit, thresholds and thread limits are rates
            "rcpt|451 Only 50 emails per hour are accepted from you|rate_limited",
            "mail|550 5.7.1 Your account has exceeded its sending threshold|rate_limited",
            "data|432 4.3.2 Delivery thread limit exceeded|rate_limited",
            "data|552 Spam score exceeded threshold|policy",
            // harvesting and unknown-command floods
            "rcpt|550 Directory harvest attack suspected|reputation",
            "rcpt|421 4.7.0 Too many unknown commands, closing|protocol",
            // RFC 5321's own text for the code is not the server's policy: vague rules skip it
            "rcpt|553 Requested action not taken: mailbox name not allowed|bad_mailbox",
            "mail|553 Requested action not taken: mailbox name not allowed|policy",
            "rcpt|553 Requested action not taken: mailbox name not allowed by local policy|policy",
            // a syntax code that refuses is a refusal, not a syntax error
            "mail|501 Domain refused here|policy",
            "rcpt|502 Not authorized to use this server|policy",
            "rcpt|501 Syntax error in parameters or arguments|protocol",
            "rcpt|500 Relaying to that domain is prohibited|relay_denied",
            "rcpt|550 Relaying for <b@example.com> denied by the operator|relay_denied",
            // the receiver's own scanner or filter in trouble: its problem, for now
            "data|451 Failed connecting to the antivirus engine|server_busy",
            "data|451 clamd timed out|server_busy",
            "data|554 Virus found in the message|policy",
            // a mailbox whose quota or storage is used up is full, whatever the words
            "rcpt|452 Storage usage exceeded for this account|mailbox_full",
            "rcpt|452 The recipient has used up all the storage space|mailbox_full",
            // talking before the greeting is a protocol error
            "connect|554 Client talked before the greeting|protocol",
            // the answer to STARTTLS is about TLS
            "starttls|454 TLS is not available on this server right now|protocol",
            // "access is denied" is the vague refusal too
            "rcpt|550 Access is denied|policy",
            // DATA with no recipient accepted is out of sequence; qmail's code says why instead
            "data|554 No valid recipients were accepted|protocol",
            "data|554 no valid recipients (#5.1.3)|bad_mailbox",
            // AOL's documented block codes are about our IP; its DNS codes about our reverse DNS
            "connect|554 (HVU:B2) blocked, see the postmaster pages|reputation",
            "connect|421 (DYN:T2) deferred|reputation",
            "connect|554 (DNS:NR) see the postmaster pages|auth_failure",
            // our sender's domain that does not resolve, whatever the command
            "rcpt|450 The domain of your From address does not resolve|policy",
            "data|451 From: domain must resolve|policy",
            // counts of failures and rates of one kind of mail are rates too
            "connect|421 Too many login failures from your IP|rate_limited",
            "mail|550 Unusually high bounce sender rate|rate_limited",
            "rcpt|452 4.5.3 Recipients per message limit exceeded|too_many_recipients",
            // a server only for its own users does not relay for us
            "rcpt|550 This server is for authorised users only|relay_denied",
            "data|550 Message does not conform to RFC 5322|protocol",
            // a 5xx that names the receiver's own failure: unknown, not a refusal
            "data|550 Internal server error, message dropped|unknown",
            "data|554 Unable to store message|unknown",
            // a demand to log in before MAIL: a server that relays only for its users
            "mail|530 5.7.0 You must log in to send mail here|relay_denied",
            "mail|503 5.5.1 Issue the AUTH command first|relay_denied",
            "rcpt|550 5.7.1 SMTP auth required for this recipient|auth_failure",
            "mail|530 5.7.0 Must issue a STARTTLS command first|policy",
            // NetEase's documented codes: limits, the IP's standing, the session, relaying
            "connect|421 HL:ICC connections from this IP over the limit|rate_limited",
            "data|451 MI:SFQ sender over its limit, try later|rate_limited",
            "connect|450 DT:RBL found on a list|reputation",
            "ehlo|550 MI:NHD hello required|protocol",
            "rcpt|550 RP:FRL anonymous forwarding is not open|relay_denied",
            // quotas of mail sent, not of mail stored; a full folder is a full mailbox
            "data|554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException|rate_limited",
            "data|552 You are over your relay quota for today|rate_limited",
            "rcpt|452 4.2.2 Folder is full|mailbox_full",
            // refused at the greeting, before a word of ours: our IP, unless it says it is busy
            "connect|554 You are not welcome here|reputation",
            "connect|550 Connections from your network are refused|reputation",
            "connect|421 Rejected for now, the server is too busy|server_busy",
            // greylisting in two words; quotas and rates of mail sent; spam traps hit by our IP
            "rcpt|450 4.7.1 You are grey listed, come back in a while|greylisted",
            "mail|452 Outgoing mail quota exceeded for this account|rate_limited",
            "connect|421 4.7.0 Connection rate too high|rate_limited",
            "rcpt|550 Your IP has hit our spam traps|reputation",
            // an IP without a reverse name, however it is put
            "connect|421 Cannot resolve your hostname, try again later|auth_failure",
            "connect|450 Client IP address is not resolving|auth_failure",
    })
    void aReplyIsReadForWhatItIsAbout(String stage, String reply, String category) {
        Classification c = classify(Stage.parse(stage), reply);
        assertEquals(Category.parse(category), c.category(), c.toString());
    }

    @Test
    void tooManyRecipientsAsksForANewTransaction() {
        assertTrue(classify(Stage.RCPT, "452 4.5.3 Error: too many recipients").newTransaction());
        assertTrue(classify(Stage.RCPT, "452 4.5.3 zzz").newTransaction(), "the fallback too");
        Classification split = classify(Stage.RCPT, "451 4.3.0 Multiple destination domains per transaction is unsupported. Please try again.");
        assertEquals(Category.PROTOCOL, split.category());
        assertTrue(split.newTransaction());
        assertFalse(classify(Stage.DATA, "451 4.5.0 SMTP protocol violation, visit RFC 2821.").newTransaction());
    }

    @Test
    void unexpectedCodesAreTransientProtocolErrors() {
        Classification c = classifier.classify(Stage.RCPT, SmtpReply.of(354, List.of("go ahead")), null);
        assertEquals(Outcome.TRANSIENT, c.outcome());
        assertEquals(Category.PROTOCOL, c.category());
    }

    @Test
    void waitHintsAreKept() {
        assertEquals(Duration.ofMinutes(30), classify(Stage.DATA,
                "450 4.7.1 Temporary delayed by rate limit for new clients, try later (2/h)").waitHint());
        assertEquals(2, classify(Stage.DATA, "450 4.7.1 Temporary delayed by rate limit for new clients, try later (2/h)").perHour());
        assertEquals(Duration.ofMinutes(5), classify(Stage.RCPT, "451 4.7.1 Greylisting in action, please come back in 00:05:00").waitHint());
        assertNull(classify(Stage.RCPT, "451 4.7.1 Greylisted, try again after some time.").waitHint());
    }

    @Test
    void onlyTheBasicCodeSaysWhetherAReplyConcernsTheDestination() {
        assertFalse(classify(Stage.RCPT, "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages").concernsDestination());
        assertTrue(classify(Stage.RCPT, "421 4.7.1 Messages to x deferred due to excessive volume.").concernsDestination());
        assertTrue(classify(Stage.DATA, "450 4.7.1 rate limit (2/h)").concernsDestination());
    }
}
