package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies real receivers send (Gmail, Yahoo, Microsoft, postgrey, milter-greylist, qmail, Exim,
 * Postfix, Sendmail, appliances, and our own client's made-up network errors), beyond the seeds.
 * None of these sentences appears in the shipped rules: they test that the rules catch the idea.
 */
class RealWorldRepliesTest {
    // stage | host (- = unknown) | outcome | category or a|b | reply
    private static final String TABLE = """
            rcpt    | - | transient | rate_limited      | 450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. If the user is able to receive mail at that time, your message will be delivered.
            data    | - | permanent | auth_failure      | 550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked. The sender must authenticate with at least one of SPF or DKIM. For this message, DKIM checks did not pass and SPF check for [example.com] did not pass with ip: [192.0.2.1].
            data    | - | permanent | auth_failure      | 550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail.
            rcpt    | - | transient | mailbox_full      | 552 5.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm
            data    | - | permanent | mailbox_full      | 552 5.2.2 mailbox full
            rcpt    | - | permanent | bad_mailbox       | 550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.
            rcpt    | - | permanent | bad_mailbox       | 550 5.2.1 The email account that you tried to reach is disabled.
            connect | - | transient | rate_limited|reputation | 421 4.7.0 [192.0.2.1 15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.
            data    | - | permanent | reputation|policy | 550 5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.
            data    | - | permanent | message_too_large | 552 5.3.4 Your message exceeded Google's message size limits.
            data    | - | transient | server_busy       | 421 4.3.0 Temporary System Problem.  Try again later
            data    | - | transient | auth_failure|rate_limited | 421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain.
            data    | - | permanent | auth_failure      | 550 5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP.
            mail    | - | transient | rate_limited      | 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes
            data    | - | permanent | policy            | 554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes
            connect | - | permanent | reputation|policy | 553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes
            rcpt    | - | permanent | bad_mailbox       | 554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com
            rcpt    | - | permanent | bad_mailbox       | 554 delivery error: dd Sorry your message to someone@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.gq1.yahoo.com
            connect | - | permanent | reputation        | 553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes
            connect | - | permanent | reputation        | 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.
            connect | - | transient | rate_limited|reputation | 451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)
            rcpt    | - | permanent | bad_mailbox       | 550 5.5.0 Requested action not taken: mailbox unavailable.
            rcpt    | - | permanent | bad_mailbox       | 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]
            connect | - | permanent | reputation        | 550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions.
            connect | example-com.mail.protection.outlook.com | transient | rate_limited | 451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS800)
            connect | - | permanent | reputation        | 550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.
            data    | - | permanent | mailbox_full      | 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded
            rcpt    | - | permanent | relay_denied      | 550 5.7.64 TenantAttribution; Relay Access Denied [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]
            rcpt    | - | transient | too_many_recipients | 452 4.5.3 Too many recipients
            rcpt    | - | transient | greylisted        | 450 4.2.0 <user@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html
            rcpt    | - | transient | greylisted        | 450 4.7.1 <user@example.org>: Recipient address rejected: Greylisted for 300 seconds (see http://isg.ee.ethz.ch/tools/postgrey/help/example.org.html)
            rcpt    | - | transient | greylisted        | 451 4.7.1 Greylisting in action, please come back in 00:05:00
            rcpt    | - | transient | greylisted        | 450 4.7.1 <user@example.org>: Recipient address rejected: Please try again later
            data    | - | transient | server_busy       | 451 qq temporary problem (#4.3.0)
            data    | - | transient | server_busy       | 451 qq write error or disk full (#4.3.0)
            rcpt    | - | permanent | relay_denied      | 553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)
            rcpt    | - | permanent | bad_mailbox       | 550 sorry, no mailbox here by that name. (#5.1.1)
            data    | - | permanent | message_too_large | 552 sorry, that message size exceeds my databytes limit (#5.3.4)
            rcpt    | - | transient | server_busy       | 451 Temporary local problem
            rcpt    | - | permanent | bad_mailbox       | 550 Unrouteable address
            connect | - | transient | rate_limited      | 421 Too many concurrent SMTP connections from this IP address; please try again later.
            data    | - | permanent | message_too_large | 552 Message size exceeds maximum permitted
            rcpt    | - | permanent | relay_denied      | 550 relay not permitted
            rcpt    | - | permanent | policy            | 550 Administrative prohibition
            rcpt    | - | permanent | bad_mailbox       | 550 5.1.1 <user@example.org>: Recipient address rejected: User unknown in local recipient table
            rcpt    | - | permanent | bad_mailbox       | 550 5.1.1 <user@example.org>: Recipient address rejected: User unknown in virtual mailbox table
            rcpt    | - | transient | relay_denied      | 454 4.7.1 <user@example.org>: Relay access denied
            rcpt    | - | transient | bad_domain        | 450 4.1.2 <user@example.invalid>: Recipient address rejected: Domain not found
            connect | - | permanent | reputation        | 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1
            connect | - | transient | rate_limited      | 421 4.7.0 mx.example.org Error: too many connections from 192.0.2.1
            data    | - | permanent | message_too_large | 552 5.3.4 Message size exceeds fixed limit
            rcpt    | - | transient | too_many_recipients | 452 4.5.3 Error: too many recipients
            rcpt    | - | transient | server_busy       | 451 4.3.0 <user@example.org>: Temporary lookup failure
            mail    | - | transient | policy|bad_domain | 450 4.1.8 <bounce@example.com>: Sender address rejected: Domain not found
            ehlo    | - | permanent | protocol          | 502 5.5.2 Error: command not recognized
            starttls | - | transient | server_busy      | 454 4.7.0 TLS not available due to local problem
            rcpt    | - | permanent | auth_failure      | 550 5.7.23 <user@example.org>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=a@example.com;ip=192.0.2.1;r=mx.example.org
            rcpt    | - | transient | auth_failure      | 450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]
            rcpt    | - | permanent | bad_mailbox       | 550 5.1.1 <user@example.org>... User unknown
            data    | - | transient | server_busy       | 452 4.4.5 Insufficient disk space; try again later
            rcpt    | - | transient | reputation        | 450 4.7.1 <user@example.org>... Rejected: 192.0.2.1 listed at bl.spamcop.net
            data    | - | permanent | policy            | 554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature
            connect | - | permanent | reputation        | 554 5.7.1 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1
            rcpt    | - | permanent | bad_mailbox       | 550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550
            rcpt    | - | transient | mailbox_full      | 452 4.2.2 <user@example.org>: user is over quota
            connect | - | transient | network           | 421 4.4.1 connect to mx.example.org[192.0.2.1]:25: Connection refused
            data    | - | transient | network           | 421 4.4.2 mx.example.org: Connection timed out
            dns     | - | transient | network           | 451 4.4.3 Temporary DNS failure: SERVFAIL looking up MX for example.org
            dns     | - | permanent | bad_domain        | 550 5.1.2 example.invalid: domain does not exist (NXDOMAIN)
            dns     | - | permanent | bad_domain        | 556 5.1.10 example.com does not accept mail (null MX)
            """;

    record Row(Stage stage, String host, Outcome outcome, Set<Category> categories, String reply) {}

    static List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] f = line.split("\\s+\\|\\s+", 5);
            assertEquals(5, f.length, "bad table row: " + line);
            out.add(new Row(Stage.parse(f[0].strip()), f[1].equals("-") ? null : f[1],
                    Outcome.valueOf(f[2].toUpperCase()),
                    Arrays.stream(f[3].split("\\|")).map(Category::parse).collect(Collectors.toSet()), f[4].strip()));
        }
        return out;
    }

    @Test
    void realRepliesFromMajorReceiversClassifyByTheirIdea() {
        List<Row> rows = rows();
        assertTrue(rows.size() >= 40, "table has " + rows.size() + " rows");
        ReplyClassifier classifier = ReplyClassifier.shipped();
        List<String> wrong = new ArrayList<>();
        for (Row r : rows) {
            Classification c = classifier.classify(r.stage(), SmtpReply.parse(r.reply()), r.host());
            if (c.outcome() != r.outcome() || !r.categories().contains(c.category())) {
                wrong.add(r.stage().label() + " '" + r.reply() + "': expected " + r.outcome() + " " + r.categories() + ", got " + c);
            }
        }
        assertEquals(List.of(), wrong, "misclassified:\n" + String.join("\n", wrong));
    }

    @Test
    void microsoftThrottlingNeedsTheMicrosoftHost() {
        ReplyClassifier classifier = ReplyClassifier.shipped();
        SmtpReply busy = SmtpReply.parse("451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS800)");
        assertEquals("microsoft-ip-throttling", classifier.classify(Stage.CONNECT, busy, "x.mail.protection.outlook.com").rule());
        Classification elsewhere = classifier.classify(Stage.CONNECT, busy, "mx.example.org");
        assertEquals(Category.SERVER_BUSY, elsewhere.category());
        assertEquals("server-busy", elsewhere.rule());
        assertEquals("server-busy", classifier.classify(Stage.CONNECT, busy, null).rule());
    }
}
