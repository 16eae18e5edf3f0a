package dev.tempfail.reply;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WaitHintTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "451 4.7.1 Please try again in 5 minutes                         | 300   | 0",
            "451 4.7.1 Greylisted, retry after 300 seconds                   | 300   | 0",
            "450 4.7.1 Recipient address rejected: Greylisted for 300 seconds (see http://x/help) | 300 | 0",
            "451 4.7.1 Greylisting in action, please come back in 00:05:00   | 300   | 0",
            "421 4.7.0 Try again in 2 hours                                  | 7200  | 0",
            "554 5.7.1 IP blocked for 1 day                                  | 86400 | 0",
            "451 Deferred for 90s                                            | 90    | 0",
            "421 4.7.0 Too many connections, wait 60 seconds                 | 60    | 0",
            "450 4.7.1 Temporary delayed by rate limit for new clients, try later (2/h) | 1800 | 2",
            "450 4.7.1 Rate limited (10/min)                                 | 6     | 600",
            "451 4.7.1 Sender rate limit: 100 messages per hour              | 36    | 100",
            "451 4.7.1 Greylisted, try again after some time.                | -1    | 0",
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred - 4.16.55.1; see https://postmaster.yahooinc.com | -1 | 0",
            "451 4.7.1 Try again later (RFC 6647)                            | -1    | 0",
            "451 4.7.1 Greylisted for 300 seconds; try again in 10 minutes   | 600   | 0",
    })
    void hintsInTheTextAreRead(String text, long seconds, int perHour) {
        WaitHint h = WaitHint.parse(text);
        assertEquals(seconds < 0 ? null : Duration.ofSeconds(seconds), h.duration());
        assertEquals(perHour, h.perHour());
    }
}
