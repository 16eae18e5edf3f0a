package dev.tempfail.dsn;

import dev.tempfail.message.HeaderSection;
import dev.tempfail.message.MailDates;
import dev.tempfail.reply.Category;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static dev.tempfail.dsn.ParsedReport.field;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DsnBuilderTest {
    static final String HOST = "relay.example.org";
    static final String QUEUE_ID = "4C9ZKQ2M7HBTX";
    static final Instant ARRIVAL = Instant.parse("2027-03-01T09:00:00Z");
    static final Instant NOW = Instant.parse("2027-03-01T09:05:00Z");
    static final long MB = 1 << 20;
    static final byte[] ORIGINAL = ("""
            Received: from app.shop.example.org (localhost [127.0.0.1])\r
            \tby relay.example.org with ESMTP id 4C9ZKQ2M7HBTX\r
            Message-ID: <order-42@shop.example.org>\r
            From: Shop <app@shop.example.org>\r
            To: bob@example.com, carol@example.net, dave@example.com\r
            Subject: Your order has shipped\r
            Date: Mon, 1 Mar 2027 09:00:00 +0000\r
            \r
            Hello,\r
            \r
            your order has shipped.\r
            """).getBytes(StandardCharsets.US_ASCII);

    static DsnRecipient userUnknown() {
        return new DsnRecipient("bob@example.com", null, "5.1.1", "mx.example.com",
                "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
                "bad_mailbox", NOW.minusSeconds(1), null);
    }

    static DsnRequest request(DsnKind kind, String envid, String ret, byte[] original, long maxReturnSize,
                              DsnRecipient... recipients) {
        return new DsnRequest(kind, HOST, QUEUE_ID, "app@shop.example.org", envid, ret, ARRIVAL, original,
                List.of(recipients), maxReturnSize, NOW);
    }

    static ParsedReport build(DsnRequest r) throws Exception {
        return ParsedReport.of(DsnBuilder.build(r));
    }

    @Test
    void permanentFailureHasEveryHeaderPartAndField() throws Exception {
        ParsedReport p = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, userUnknown()));

        // The message's own headers.
        assertEquals("Mail Delivery System <MAILER-DAEMON@relay.example.org>", p.header("From"));
        assertEquals("app@shop.example.org", p.header("To"));
        assertEquals("Undelivered Mail Returned to Sender", p.header("Subject"));
        assertEquals("auto-replied", p.header("Auto-Submitted"));
        assertEquals("1.0", p.header("MIME-Version"));
        assertEquals(MailDates.format(NOW), p.header("Date"));
        assertEquals(NOW, p.message().getSentDate().toInstant());
        assertTrue(p.header("Message-ID").matches("<20270301090500\\.4C9ZKQ2M7HBTX\\.failed\\.[0-9a-f]{16}@relay\\.example\\.org>"),
                p.header("Message-ID"));
        assertEquals("<order-42@shop.example.org>", p.header("In-Reply-To"));
        assertEquals("<order-42@shop.example.org>", p.header("References"));

        // multipart/report; report-type=delivery-status, and the three parts in order.
        ContentType type = new ContentType(p.message().getContentType());
        assertTrue(type.match("multipart/report"), type.toString());
        assertEquals("delivery-status", type.getParameter("report-type"));
        assertTrue(p.part(0).isMimeType("text/plain"));
        assertEquals("utf-8", new ContentType(p.part(0).getContentType()).getParameter("charset"));
        assertTrue(p.part(1).isMimeType("message/delivery-status"));
        assertTrue(p.part(2).isMimeType("text/rfc822-headers"));
        assertEquals("Undelivered Message Headers", p.part(2).getDescription());

        // Per-message fields: no ENVID given, so no Original-Envelope-Id.
        InternetHeaders m = p.perMessage();
        assertEquals("dns; relay.example.org", field(m, "Reporting-MTA"));
        assertEquals(QUEUE_ID, field(m, "X-Tempfail-Queue-ID"));
        assertEquals(MailDates.format(ARRIVAL), field(m, "Arrival-Date"));
        assertNull(field(m, "Original-Envelope-Id"));

        // The recipient block: no ORCPT given, so no Original-Recipient; no Will-Retry-Until on a failure.
        assertEquals(1, p.perRecipient().size());
        InternetHeaders r = p.perRecipient().get(0);
        assertNull(field(r, "Original-Recipient"));
        assertEquals("rfc822; bob@example.com", field(r, "Final-Recipient"));
        assertEquals("failed", field(r, "Action"));
        assertEquals("5.1.1", field(r, "Status"));
        assertEquals("dns; mx.example.com", field(r, "Remote-MTA"));
        assertEquals("smtp; " + userUnknown().diagnostic(), field(r, "Diagnostic-Code"));
        assertEquals(MailDates.format(NOW.minusSeconds(1)), field(r, "Last-Attempt-Date"));
        assertNull(field(r, "Will-Retry-Until"));

        // For the person: who, why in plain words, what to do, and the reply verbatim on a line of its own.
        String text = p.flatText();
        assertTrue(text.contains("This is the mail system at host relay.example.org."), text);
        assertTrue(text.contains("Your message could not be delivered to the recipient below."), text);
        assertTrue(text.contains("Its headers are attached"), text);
        assertTrue(p.text().contains("\r\n<bob@example.com>\r\n"), p.text());
        assertTrue(text.contains("Not delivered: the address does not exist at the receiving server."), text);
        assertTrue(text.contains("check the address for typos"), text);
        assertTrue(text.contains("The server mx.example.com replied:"), text);
        assertTrue(p.text().contains("\r\n        " + userUnknown().diagnostic() + "\r\n"), p.text());
        assertFalse(text.contains("tried for"), text);
        assertTrue(p.text().lines().allMatch(l -> l.length() <= 72 || l.contains(userUnknown().diagnostic())), p.text());

        // The returned headers are the original's header section, byte for byte.
        assertArrayEquals(Arrays.copyOf(ORIGINAL, HeaderSection.length(ORIGINAL)), p.rawContent(2));
        assertEquals("7BIT", DsnBuilder.bodyType(p.raw()));
    }

    @Test
    void expiryTellsHowLongWeTriedAndQuotesTheLastReply() throws Exception {
        Instant last = ARRIVAL.plus(Duration.ofHours(72));
        DsnRecipient expired = new DsnRecipient("carol@example.net", null, "4.4.7", "mx1.example.net",
                "452 4.2.2 The email account that you tried to reach is over quota.", "mailbox_full", last, null);
        DsnRequest r = new DsnRequest(DsnKind.FAILED, HOST, QUEUE_ID, "app@shop.example.org", null, null, ARRIVAL,
                ORIGINAL, List.of(expired), MB, last.plusSeconds(2));
        ParsedReport p = build(r);

        assertEquals("Undelivered Mail Returned to Sender", p.header("Subject"));
        InternetHeaders b = p.perRecipient().get(0);
        assertEquals("rfc822; carol@example.net", field(b, "Final-Recipient"));
        assertEquals("failed", field(b, "Action"));
        assertEquals("4.4.7", field(b, "Status"));
        assertEquals("dns; mx1.example.net", field(b, "Remote-MTA"));
        assertEquals("smtp; 452 4.2.2 The email account that you tried to reach is over quota.", field(b, "Diagnostic-Code"));
        assertEquals(MailDates.format(last), field(b, "Last-Attempt-Date"));
        assertNull(field(b, "Will-Retry-Until"));

        String text = p.flatText();
        assertTrue(text.contains("Not delivered: we tried for 3 days and have given up."), text);
        assertTrue(text.contains("The last attempt failed because the recipient's mailbox is full."), text);
        assertTrue(text.contains("make room"), text);
        assertTrue(text.contains("The last reply, from mx1.example.net, was:"), text);
        assertTrue(p.text().contains("\r\n        452 4.2.2 The email account that you tried to reach is over quota.\r\n"));
        assertFalse(text.contains("Not delivered: the recipient's mailbox"), "not worded as a refusal: " + text);
    }

    @Test
    void delayWarningSaysUntilWhenWeRetry() throws Exception {
        Instant until = ARRIVAL.plus(Duration.ofHours(72));
        Instant now = ARRIVAL.plus(Duration.ofHours(4));
        DsnRecipient greylisted = new DsnRecipient("dave@example.com", "rfc822;Dave@Example.com", "4.7.1", "mx.example.com",
                "451 4.7.1 Greylisted, see https://postgrey.schweikert.ch/help/example.com.html", "greylisted",
                now.minusSeconds(30), until);
        ParsedReport p = build(new DsnRequest(DsnKind.DELAYED, HOST, QUEUE_ID, "app@shop.example.org", null, null,
                ARRIVAL, ORIGINAL, List.of(greylisted), MB, now));

        assertEquals("Delayed Mail (still being retried)", p.header("Subject"));
        assertTrue(p.part(2).isMimeType("text/rfc822-headers"), "headers are enough for a warning");
        assertEquals("Message Headers", p.part(2).getDescription());
        InternetHeaders b = p.perRecipient().get(0);
        assertEquals("rfc822;Dave@Example.com", field(b, "Original-Recipient"));
        assertEquals("rfc822; dave@example.com", field(b, "Final-Recipient"));
        assertEquals("delayed", field(b, "Action"));
        assertEquals("4.7.1", field(b, "Status"));
        assertEquals("dns; mx.example.com", field(b, "Remote-MTA"));
        assertEquals("smtp; " + greylisted.diagnostic(), field(b, "Diagnostic-Code"));
        assertEquals(MailDates.format(now.minusSeconds(30)), field(b, "Last-Attempt-Date"));
        assertEquals(MailDates.format(until), field(b, "Will-Retry-Until"));

        String text = p.flatText();
        assertTrue(text.contains("has not yet been delivered to the recipient below: we have been trying for 4 hours."), text);
        assertTrue(text.contains("you do not need to send the message again"), text);
        assertTrue(text.contains("Not delivered yet, because the receiving server asked us to try again later (greylisting)"), text);
        assertTrue(text.contains("We will keep trying until " + MailDates.format(until) + "."), text);
        assertTrue(p.text().contains("\r\n        " + greylisted.diagnostic() + "\r\n"));
    }

    @Test
    void successAndRelayedNotices() throws Exception {
        DsnRecipient ok = new DsnRecipient("erin@example.com", null, "2.0.0", "mx.example.com",
                "250 2.0.0 Ok: queued as 4XYZ", null, NOW, null);
        ParsedReport delivered = build(request(DsnKind.DELIVERED, null, null, ORIGINAL, MB, ok));
        assertEquals("Successful Mail Delivery Report", delivered.header("Subject"));
        assertEquals("delivered", field(delivered.perRecipient().get(0), "Action"));
        assertEquals("2.0.0", field(delivered.perRecipient().get(0), "Status"));
        assertEquals("smtp; 250 2.0.0 Ok: queued as 4XYZ", field(delivered.perRecipient().get(0), "Diagnostic-Code"));
        assertTrue(delivered.part(2).isMimeType("text/rfc822-headers"));
        assertEquals("Message Headers", delivered.part(2).getDescription());
        assertTrue(delivered.flatText().contains("Your message was delivered to the recipient below, as you asked to be told."),
                delivered.text());
        assertTrue(delivered.flatText().contains("Delivered to mx.example.com, which replied: 250 2.0.0 Ok: queued as 4XYZ"),
                delivered.text());
        assertFalse(delivered.flatText().contains("If you need help"), "no call for help on good news");

        ParsedReport relayed = build(request(DsnKind.RELAYED, null, null, ORIGINAL, MB,
                new DsnRecipient("frank@example.com", null, "2.0.0", "smtp.example.com", "250 Ok", null, NOW, null)));
        assertEquals("Successful Mail Delivery Report", relayed.header("Subject"));
        assertEquals("relayed", field(relayed.perRecipient().get(0), "Action"));
        assertTrue(relayed.flatText().contains("does not send delivery reports"), relayed.text());
        assertTrue(relayed.flatText().contains("Passed on to smtp.example.com, which replied: 250 Ok"), relayed.text());
    }

    @Test
    void retFullReturnsTheOriginalByteForByteEvenWith8BitBytes() throws Exception {
        byte[] original = concat(ORIGINAL, "Grüße, ça va? \u00e9t\u00e9 \u20ac\r\n".getBytes(StandardCharsets.UTF_8),
                new byte[]{(byte) 0xff, (byte) 0xfe, 'x', '\r', '\n'});
        ParsedReport p = build(request(DsnKind.FAILED, null, "FULL", original, MB, userUnknown()));

        assertTrue(p.part(2).isMimeType("message/rfc822"));
        assertEquals("Undelivered Message", p.part(2).getDescription());
        assertArrayEquals(original, p.rawContent(2));
        assertEquals("8bit", ((jakarta.mail.internet.MimeBodyPart) p.part(2)).getEncoding());
        assertEquals("8bit", p.message().getEncoding(), "the multipart says it holds 8-bit data");
        assertEquals("Your order has shipped", ((MimeMessage) p.part(2).getContent()).getSubject());
        assertEquals("8BITMIME", DsnBuilder.bodyType(p.raw()));
        assertTrue(p.flatText().contains("Your message is attached."), p.text());
        // Also found whole in the raw report, between its part header and the closing boundary.
        // (ISO-8859-1 keeps one char per byte, so this is a search for the bytes)
        assertTrue(new String(p.raw(), StandardCharsets.ISO_8859_1).indexOf(new String(original, StandardCharsets.ISO_8859_1)) > 0);
    }

    @Test
    void retHdrsReturnsOnlyTheHeaders() throws Exception {
        ParsedReport p = build(request(DsnKind.FAILED, null, "hdrs", ORIGINAL, MB, userUnknown()));
        assertTrue(p.part(2).isMimeType("text/rfc822-headers"));
        byte[] headers = p.rawContent(2);
        assertArrayEquals(Arrays.copyOf(ORIGINAL, HeaderSection.length(ORIGINAL)), headers);
        assertFalse(new String(headers, StandardCharsets.US_ASCII).contains("your order has shipped"));
        assertTrue(p.flatText().contains("Its headers are attached"), p.text());
    }

    @Test
    void eightBitHeadersAreReturnedAsTheyAre() throws Exception {
        byte[] original = "From: app@shop.example.org\r\nSubject: Bestellbestätigung\r\n\r\nHallo\r\n"
                .getBytes(StandardCharsets.UTF_8);
        ParsedReport p = build(request(DsnKind.FAILED, null, "HDRS", original, MB, userUnknown()));
        assertArrayEquals(Arrays.copyOf(original, HeaderSection.length(original)), p.rawContent(2));
        assertEquals("8bit", ((jakarta.mail.internet.MimeBodyPart) p.part(2)).getEncoding());
        assertEquals("8BITMIME", DsnBuilder.bodyType(p.raw()));
    }

    @Test
    void retFullOverTheLimitReturnsHeadersAndSaysSo() throws Exception {
        byte[] big = concat(ORIGINAL, "x".repeat(3000).concat("\r\n").getBytes(StandardCharsets.US_ASCII));
        ParsedReport p = build(request(DsnKind.FAILED, null, "FULL", big, 1024, userUnknown()));
        assertTrue(p.part(2).isMimeType("text/rfc822-headers"));
        assertEquals("Undelivered Message Headers", p.part(2).getDescription());
        assertArrayEquals(Arrays.copyOf(ORIGINAL, HeaderSection.length(ORIGINAL)), p.rawContent(2));
        assertTrue(p.flatText().contains("At 3.3 KB it is larger than the 1 KB a report may carry, so only its headers are attached."),
                p.text());

        ParsedReport atLimit = build(request(DsnKind.FAILED, null, "FULL", big, big.length, userUnknown()));
        assertTrue(atLimit.part(2).isMimeType("message/rfc822"), "up to the limit is allowed");
    }

    @Test
    void twoOfThreeRecipientsFailTogetherInOneReport() throws Exception {
        DsnRecipient bob = userUnknown();
        DsnRecipient carol = new DsnRecipient("carol@example.net", "rfc822;carol@example.net", "5.2.2", "mx1.example.net",
                "552 5.2.2 carol@example.net: mailbox full", "mailbox_full", NOW, null);
        ParsedReport p = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, bob, carol));

        assertEquals(2, p.perRecipient().size());
        assertEquals("rfc822; bob@example.com", field(p.perRecipient().get(0), "Final-Recipient"));
        assertEquals("5.1.1", field(p.perRecipient().get(0), "Status"));
        assertNull(field(p.perRecipient().get(0), "Original-Recipient"));
        assertEquals("rfc822; carol@example.net", field(p.perRecipient().get(1), "Final-Recipient"));
        assertEquals("rfc822;carol@example.net", field(p.perRecipient().get(1), "Original-Recipient"));
        assertEquals("5.2.2", field(p.perRecipient().get(1), "Status"));
        assertEquals("dns; mx1.example.net", field(p.perRecipient().get(1), "Remote-MTA"));
        assertEquals("smtp; 552 5.2.2 carol@example.net: mailbox full", field(p.perRecipient().get(1), "Diagnostic-Code"));
        for (InternetHeaders b : p.perRecipient()) assertEquals("failed", field(b, "Action"));

        String text = p.flatText();
        assertTrue(text.contains("could not be delivered to the recipients below."), text);
        assertTrue(text.contains("<bob@example.com> Not delivered: the address does not exist"), text);
        assertTrue(text.contains("<carol@example.net> Not delivered: the recipient's mailbox is full."), text);
        assertFalse(text.contains("dave@example.com"), "the recipient who was delivered is not in a failure report");
    }

    @Test
    void envidAndOrcptAppearOnlyWhenGiven() throws Exception {
        DsnRecipient withOrcpt = new DsnRecipient("bob@example.com", "rfc822;Bob.Smith@Example.COM", "5.1.1",
                "mx.example.com", "550 5.1.1 user unknown", "bad_mailbox", NOW, null);
        ParsedReport given = build(request(DsnKind.FAILED, "order-42/batch 7", null, ORIGINAL, MB, withOrcpt));
        assertEquals("order-42/batch 7", field(given.perMessage(), "Original-Envelope-Id"));
        assertEquals("rfc822;Bob.Smith@Example.COM", field(given.perRecipient().get(0), "Original-Recipient"));
        // RFC 3464's grammar puts Original-Envelope-Id first among the per-message fields.
        String status = new String(given.part(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(status.startsWith("Original-Envelope-Id: order-42/batch 7\r\nReporting-MTA: dns; relay.example.org\r\n"), status);

        ParsedReport absent = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, userUnknown()));
        assertNull(field(absent.perMessage(), "Original-Envelope-Id"));
        assertNull(field(absent.perRecipient().get(0), "Original-Recipient"));
    }

    @Test
    void aLongDiagnosticIsFoldedAndUnfoldsToTheOriginal() throws Exception {
        String reply = "550 5.7.1 Service unavailable, Client host [192.0.2.25] blocked using Spamhaus. To request "
                + "removal from this list see https://www.spamhaus.org/query/ip/192.0.2.25 (AS3130). "
                + "[BN8NAM12FT011.eop-nam12.prod.protection.outlook.com 2027-03-01T09:04:59.123Z 08DC3A1B2C3D4E5F]";
        DsnRecipient r = new DsnRecipient("bob@example.com", null, "5.7.1", "example-com.mail.protection.outlook.com",
                reply, "reputation", NOW, null);
        ParsedReport p = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, r));

        String status = new String(p.part(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        String block = status.substring(status.indexOf("Diagnostic-Code:"));
        block = block.substring(0, block.indexOf("\r\nLast-Attempt-Date:") + 2);
        assertTrue(block.split("\r\n").length >= 3, "folded: " + block);
        for (String line : block.split("\r\n")) assertTrue(line.length() <= 78, "line too long: " + line);
        assertEquals("Diagnostic-Code: smtp; " + reply + "\r\n", block.replaceAll("\r\n(?=[ \t])", ""));
        assertEquals("smtp; " + reply, field(p.perRecipient().get(0), "Diagnostic-Code"));
        assertEquals("smtp; " + reply, MimeUtility.unfold(p.perRecipient().get(0).getHeader("Diagnostic-Code")[0]));
        assertTrue(p.text().contains("\r\n        " + reply + "\r\n"), "the text quotes it whole: " + p.text());
        assertTrue(p.flatText().contains("distrusts the IP address we send from"), p.text());
    }

    @Test
    void everyCategoryHasItsOwnWords() throws Exception {
        for (Category c : Category.values()) {
            DsnRecipient r = new DsnRecipient("bob@example.com", null, "5.0.0", null, null, c.label(), NOW, null);
            String text = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, r)).flatText();
            assertTrue(text.contains("Not delivered: " + Reasons.because(c) + ". " + Reasons.advice(c)), c + ": " + text);
            if (c != Category.UNKNOWN) assertNotEquals(Reasons.because(Category.UNKNOWN), Reasons.because(c));
        }
        DsnRecipient unlabelled = new DsnRecipient("bob@example.com", null, "5.0.0", null, null, "no_such_label", NOW, null);
        assertTrue(build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, unlabelled)).flatText()
                .contains("Not delivered: " + Reasons.because(Category.UNKNOWN)));
    }

    @Test
    void ourOwnWordsAreNotPassedOffAsAServerReply() throws Exception {
        DsnRecipient dns = new DsnRecipient("bob@no-such-domain.example", null, "5.1.2", null,
                "Host or domain name not found (NXDOMAIN for no-such-domain.example)", "bad_domain", NOW, null);
        ParsedReport p = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, dns));
        InternetHeaders b = p.perRecipient().get(0);
        assertNull(field(b, "Remote-MTA"));
        assertEquals("X-Tempfail; Host or domain name not found (NXDOMAIN for no-such-domain.example)",
                field(b, "Diagnostic-Code"));
        assertTrue(p.flatText().contains("Not delivered: the recipient's domain does not exist or accepts no mail."), p.text());
        assertTrue(p.flatText().contains("What went wrong: Host or domain name not found"), p.text());
        assertFalse(p.flatText().contains("replied"), p.text());
    }

    @Test
    void aReplyCannotAddFieldsOfItsOwn() throws Exception {
        DsnRecipient evil = new DsnRecipient("bob@example.com", null, "5.0.0", "mx.example.com",
                "550-5.0.0 first line\r\nAction: delivered\r\n550 5.0.0 \u001b[2Jlast line", null, NOW, null);
        ParsedReport p = build(request(DsnKind.FAILED, null, null, ORIGINAL, MB, evil));
        InternetHeaders b = p.perRecipient().get(0);
        assertEquals("failed", field(b, "Action"));
        assertEquals("smtp; 550-5.0.0 first line Action: delivered 550 5.0.0 ?[2Jlast line", field(b, "Diagnostic-Code"));
        assertTrue(p.text().contains("\r\n        550-5.0.0 first line\r\n        Action: delivered\r\n        550 5.0.0 ?[2Jlast line\r\n"),
                p.text());
    }

    @Test
    void nonAsciiAddressesAndRepliesDoNotBreakTheReport() throws Exception {
        DsnRecipient jorg = new DsnRecipient("jörg@bücher.example", "rfc822;jörg@bücher.example", "5.1.1", "mx.bücher.example",
                "550 5.1.1 Benutzer unbekannt: jörg", "bad_mailbox", NOW, null);
        DsnRequest r = new DsnRequest(DsnKind.FAILED, HOST, QUEUE_ID, "verkäufer@shop.example", null, null, ARRIVAL,
                ORIGINAL, List.of(jorg), MB, NOW);
        ParsedReport p = build(r);
        assertEquals("quoted-printable", ((jakarta.mail.internet.MimeBodyPart) p.part(0)).getEncoding());
        assertTrue(p.text().contains("<jörg@bücher.example>"), p.text());
        assertTrue(p.text().contains("550 5.1.1 Benutzer unbekannt: jörg"), p.text());
        InternetHeaders b = p.perRecipient().get(0);
        assertEquals("utf-8; j\\x{F6}rg@b\\x{FC}cher.example", field(b, "Final-Recipient"));
        assertEquals("utf-8; j\\x{F6}rg@b\\x{FC}cher.example", field(b, "Original-Recipient"));
        assertEquals("smtp; 550 5.1.1 Benutzer unbekannt: j?rg", field(b, "Diagnostic-Code"));
        byte[] status = p.part(1).getInputStream().readAllBytes();
        for (byte c : status) assertTrue(c >= 0, "message/delivery-status stays 7-bit");
    }

    @Test
    void withoutAMessageIdThereIsNoInReplyTo() throws Exception {
        byte[] original = "From: app@shop.example.org\r\nSubject: no id\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        ParsedReport p = build(request(DsnKind.FAILED, null, null, original, MB, userUnknown()));
        assertNull(p.header("In-Reply-To"));
        assertNull(p.header("References"));
        assertEquals("<a.b@c>", DsnBuilder.originalMessageId("Message-ID: (comment) <a.b@c>\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void bareLineEndsInAnOriginalAreNotPassedOn() throws Exception {
        byte[] sloppy = "From: app@shop.example.org\nSubject: bare LF\n\nline one\rline two\n".getBytes(StandardCharsets.US_ASCII);
        ParsedReport p = build(request(DsnKind.FAILED, null, "FULL", sloppy, MB, userUnknown()));
        assertArrayEquals("From: app@shop.example.org\r\nSubject: bare LF\r\n\r\nline one\r\nline two\r\n"
                .getBytes(StandardCharsets.US_ASCII), p.rawContent(2));
    }

    @Test
    void reportsAreUnique() throws Exception {
        DsnRequest r = request(DsnKind.FAILED, null, null, ORIGINAL, MB, userUnknown());
        assertNotEquals(build(r).header("Message-ID"), build(r).header("Message-ID"));
    }

    @Test
    void requestsThatCannotBeReportedAreRefused() {
        DsnRecipient ok = new DsnRecipient("a@b.example", null, "2.0.0", null, null, null, NOW, null);
        assertThrows(IllegalArgumentException.class, () -> request(DsnKind.FAILED, null, null, ORIGINAL, MB, ok));
        assertThrows(IllegalArgumentException.class, () -> request(DsnKind.DELAYED, null, null, ORIGINAL, MB, userUnknown()));
        assertThrows(IllegalArgumentException.class, () -> request(DsnKind.FAILED, null, null, ORIGINAL, MB));
        assertThrows(IllegalArgumentException.class, () -> request(DsnKind.FAILED, null, "BODY", ORIGINAL, MB, userUnknown()));
        assertThrows(IllegalArgumentException.class, () -> new DsnRequest(DsnKind.FAILED, HOST, QUEUE_ID, "", null, null,
                ARRIVAL, ORIGINAL, List.of(userUnknown()), MB, NOW));
        assertThrows(IllegalArgumentException.class, () -> new DsnRecipient("a@b.example", null, "5.1", null, null, null, NOW, null));
        assertThrows(IllegalArgumentException.class, () -> new DsnRequest(DsnKind.FAILED, HOST, "", "a@b.example", null, null,
                ARRIVAL, ORIGINAL, List.of(userUnknown()), MB, NOW));
    }

    @Test
    void humanDurationsAndSizes() {
        assertEquals("45 minutes", NoticeText.human(Duration.ofMinutes(45)));
        assertEquals("1 minute", NoticeText.human(Duration.ofSeconds(90)));
        assertEquals("4 hours", NoticeText.human(Duration.ofHours(4).plusMinutes(2)));
        assertEquals("3 days", NoticeText.human(Duration.ofHours(72)));
        assertEquals("2 days and 6 hours", NoticeText.human(Duration.ofHours(54)));
        assertEquals("24 hours", NoticeText.human(Duration.ofDays(1)));
        assertEquals("800 bytes", NoticeText.size(800));
        assertEquals("1 MB", NoticeText.size(MB));
        assertEquals("2.5 MB", NoticeText.size(MB * 5 / 2));
        assertEquals("35 MB", NoticeText.size(35 * MB));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
