package dev.tempfail.route;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy format, MX patterns, the TXT record and the HTTP reply (RFC 8461 §3, §4.1). */
class MtaStsPolicyTest {
    @Test
    void parsesAPolicyWithLfOrCrlfAndIgnoresUnknownKeys() {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\r\nmx: *.example.net.\n"
                + "max_age: 604800\nextension: whatever\n");
        assertEquals(MtaStsPolicy.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mail.example.com", "*.example.net"), p.mx());
        assertEquals(Duration.ofDays(7), p.maxAge());
    }

    @Test
    void refusesWhatIsNotAPolicy() {
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("mode: enforce\nmx: a.test\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 1\n"));
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 99999999999\n"));
        assertEquals(MtaStsPolicy.Mode.NONE, MtaStsPolicy.parse("version: STSv1\nmode: none\nmax_age: 60\n").mode());
    }

    @Test
    void aWildcardStandsForExactlyOneLeftmostLabel() {
        MtaStsPolicy p = MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 60\n");
        assertTrue(p.matches("MAIL.example.com."));
        assertTrue(p.matches("mx1.example.net"));
        assertFalse(p.matches("example.net"));
        assertFalse(p.matches("a.b.example.net"));
        assertFalse(p.matches("mail.example.com.evil.test"));
    }

    @Test
    void theTxtIdComesFromTheOneStsRecord() throws Exception {
        Name n = Name.fromString("_mta-sts.example.com.");
        assertEquals("20160831085700Z", MtaStsPolicies.id(List.of(new TXTRecord(n, DClass.IN, 60, "v=STSv1; id=20160831085700Z;"))));
        assertEquals("abc", MtaStsPolicies.id(List.of(new TXTRecord(n, DClass.IN, 60, "v=spf1 -all"),
                new TXTRecord(n, DClass.IN, 60, List.of("v=STSv1; ", "id=abc")))));
        assertNull(MtaStsPolicies.id(List.of(new TXTRecord(n, DClass.IN, 60, "v=STSv1; id=a;"),
                new TXTRecord(n, DClass.IN, 60, "v=STSv1; id=b;"))), "two STS records: none");
        assertNull(MtaStsPolicies.id(List.of(new TXTRecord(n, DClass.IN, 60, "v=STSv1; id=not-alnum;"))));
    }

    @Test
    void theHttpReplyMustBeA200InTextPlain() throws Exception {
        assertEquals("version: STSv1\n", PolicyFetcher.body("h", reply("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: 15\r\n\r\nversion: STSv1\nTRAILING")));
        IOException redirect = assertThrows(IOException.class, () -> PolicyFetcher.body("h",
                reply("HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Type: text/plain\r\n\r\n")));
        assertTrue(redirect.getMessage().contains("redirects are not followed"), redirect.getMessage());
        assertThrows(IOException.class, () -> PolicyFetcher.body("h", reply("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nx")));
        assertThrows(IOException.class, () -> PolicyFetcher.body("h", reply("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")));
    }

    private static byte[] reply(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
