package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MiniDns;
import dev.tempfail.testsupport.RawServer;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay end to end: SMTP in, the queue, routing through a test DNS server, SMTP out to fake upstreams. */
class DeliveryTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    @AutoClose private Relay relay;

    private Relay start(Map<String, String> overrides) throws Exception {
        Map<String, String> env = new HashMap<>(overrides);
        env.put("TEMPFAIL_DELIVERY_ENABLED", "true");
        relay = Relay.start(TestRelays.config(dir, env), Clock.systemUTC(), TestRelays.FAST);
        return relay;
    }

    private String send(String from, List<String> to, String subject) throws Exception {
        return SmtpTestClient.queued(relay.smtpPort(), from, to, "Subject: " + subject + "\r\n\r\nbody of " + subject + "\r\n");
    }

    record Row(String state, Integer code, String text, String stage, String category, int attempts, String host) {}

    private Map<String, Row> recipients() throws Exception {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (List<Object> r : Sql.rows(relay.database(), "SELECT address, state, last_code, last_text, last_stage, "
                + "category, attempts, last_host FROM recipient ORDER BY id")) {
            rows.put((String) r.get(0), new Row((String) r.get(1), (Integer) r.get(2), (String) r.get(3), (String) r.get(4),
                    (String) r.get(5), (Integer) r.get(6), (String) r.get(7)));
        }
        return rows;
    }

    private List<String> attempts(String address) throws Exception {
        return Sql.rows(relay.database(), "SELECT a.stage, a.code, a.verdict, a.remote_host, a.remote_ip FROM attempt a "
                + "JOIN recipient r ON r.id = a.recipient_id WHERE r.address = ? ORDER BY a.id", address)
                .stream().map(r -> r.get(0) + " " + r.get(1) + " " + r.get(2) + " " + r.get(3) + " " + r.get(4)).toList();
    }

    private long queued() throws Exception {
        return Sql.count(relay.database(), "SELECT COUNT(*) FROM message WHERE finished_at IS NULL");
    }

    @Test
    void eachRecipientOfOneTransactionKeepsItsOwnReply() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder()
                .rcptReply("b@example.com", "550 5.1.1 <b@example.com>: user does not exist")
                .rcptReply("c@example.com", "451 4.7.1 Greylisted, try again after some time.")
                .start()) {
            start(Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}"));
            send("s@example.org", List.of("a@example.com", "b@example.com", "c@example.com"), "three");
            Await.until(LIMIT, "all three tried", () -> recipients().values().stream().allMatch(r -> r.attempts() == 1));

            Map<String, Row> rows = recipients();
            assertEquals(new Row("delivered", 250, "2.0.0 Ok: queued", "data", null, 1, "127.0.0.1"), rows.get("a@example.com"));
            assertEquals(new Row("failed", 550, "5.1.1 <b@example.com>: user does not exist", "rcpt", "bad_mailbox", 1,
                    "127.0.0.1"), rows.get("b@example.com"));
            assertEquals(new Row("deferred", 451, "4.7.1 Greylisted, try again after some time.", "rcpt", "greylisted", 1,
                    "127.0.0.1"), rows.get("c@example.com"));
            assertEquals(List.of("rcpt 451 transient 127.0.0.1 127.0.0.1:" + up.port()), attempts("c@example.com"));
            assertEquals(List.of("data 250 delivered 127.0.0.1 127.0.0.1:" + up.port()), attempts("a@example.com"));

            assertEquals(1, up.messages().size(), "DATA once, for the one accepted recipient");
            assertEquals(List.of("a@example.com"), up.messages().get(0).recipients());
            assertTrue(up.messages().get(0).contentAsString().contains("body of three"));
        }
    }

    @Test
    void mxPreferenceOrderWithFallbackToTheSecondMx() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().start(); MiniDns dns = MiniDns.start();
             ServerSocket busy = new ServerSocket(up.port(), 5, InetAddress.getByName("127.0.0.2"))) {
            // mx1 (preferred, listed second) is 127.0.0.2 on the same port, and turns every connection away
            AtomicInteger mx1Connections = new AtomicInteger();
            Thread greeter = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket s = busy.accept()) {
                            mx1Connections.incrementAndGet();
                            s.getOutputStream().write("421 4.3.2 Service shutting down\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            greeter.setDaemon(true);
            greeter.start();
            dns.mx("example.com", 20, "mx2.example.com").mx("example.com", 10, "mx1.example.com")
                    .a("mx1.example.com", "127.0.0.2").a("mx2.example.com", "127.0.0.1");
            start(Map.of("TEMPFAIL_DELIVERY_DNS_SERVERS", dns.toString(), "TEMPFAIL_DELIVERY_MX_PORT", "" + up.port()));
            send("s@example.org", List.of("r@example.com"), "mx");
            Await.until(LIMIT, "delivered via mx2", () -> up.messages().size() == 1 && queued() == 0);
            assertEquals(List.of("r@example.com"), up.messages().get(0).recipients());
            assertEquals(1, mx1Connections.get(), "the preferred MX was tried first, in the same attempt");
        }
    }

    @Test
    void implicitMxNullMxAndNxdomain() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().start(); MiniDns dns = MiniDns.start()) {
            dns.a("implicit.example", "127.0.0.1").nullMx("nomail.example").servfail("broken.example");
            start(Map.of("TEMPFAIL_DELIVERY_DNS_SERVERS", dns.toString(), "TEMPFAIL_DELIVERY_MX_PORT", "" + up.port()));
            // broken.example (SERVFAIL) keeps the message in the queue, so every row can be read afterwards
            send("s@example.org", List.of("r@implicit.example", "n@nomail.example", "x@nxdomain.example",
                    "y@broken.example"), "dns");
            Await.until(LIMIT, "all final", () -> recipients().values().stream().noneMatch(r -> r.attempts() == 0));
            Map<String, Row> rows = recipients();
            assertEquals("delivered", rows.get("r@implicit.example").state());
            assertEquals("failed", rows.get("n@nomail.example").state());
            assertEquals("dns", rows.get("n@nomail.example").stage());
            assertEquals("bad_domain", rows.get("n@nomail.example").category());
            assertTrue(rows.get("n@nomail.example").text().startsWith("5.1.10 "), rows.get("n@nomail.example").text());
            assertEquals("failed", rows.get("x@nxdomain.example").state());
            assertTrue(rows.get("x@nxdomain.example").text().startsWith("5.1.2 "), rows.get("x@nxdomain.example").text());
            assertEquals("deferred", rows.get("y@broken.example").state());
            assertEquals("network", rows.get("y@broken.example").category());
            assertEquals(1, up.messages().size());
        }
    }

    @Test
    void routesWinOverTheSmarthost() throws Exception {
        try (FakeUpstream routed = FakeUpstream.builder().start(); FakeUpstream smarthost = FakeUpstream.builder().start()) {
            start(Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + routed.port() + "'}",
                    "TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + smarthost.port()));
            send("s@example.org", List.of("a@sub.example.com", "b@elsewhere.example"), "routes");
            Await.until(LIMIT, "both delivered", () -> queued() == 0);
            assertEquals(List.of("a@sub.example.com"), routed.messages().get(0).recipients());
            assertEquals(List.of("b@elsewhere.example"), smarthost.messages().get(0).recipients());
            assertEquals(1, routed.messages().size());
            assertEquals(1, smarthost.messages().size());
        }
    }

    @Test
    void tooManyRecipientsSplitsTheTransactionWithoutAFailure() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().maxRecipientsPerTransaction(2).start()) {
            start(Map.of("TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + up.port()));
            List<String> five = List.of("a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com");
            send("s@example.org", five, "split");
            Await.until(LIMIT, "all delivered", () -> queued() == 0);
            assertEquals(3, up.messages().size());
            assertEquals(five, up.messages().stream().flatMap(m -> m.recipients().stream()).toList());
            assertEquals(1, up.connections(), "one connection, three transactions");
        }
    }

    @Test
    void aDestinationThatNeverAnswersDoesNotHoldUpAHealthyOne() throws Exception {
        try (RawServer dead = RawServer.start(conversation -> conversation.hold());
             FakeUpstream healthy = FakeUpstream.builder().start()) {
            start(Map.of("TEMPFAIL_DELIVERY_ROUTES", "{dead.example: '127.0.0.1:" + dead.port() + "', "
                            + "good.example: '127.0.0.1:" + healthy.port() + "'}",
                    "TEMPFAIL_DELIVERY_WORKERS", "4", "TEMPFAIL_DELIVERY_PER_DESTINATION", "2"));
            for (int i = 0; i < 6; i++) send("s@example.org", List.of("r" + i + "@dead.example"), "dead " + i);
            for (int i = 0; i < 6; i++) send("s@example.org", List.of("r" + i + "@good.example"), "good " + i);
            Await.until(LIMIT, "healthy destination served", () -> healthy.messages().size() == 6);
            Map<String, Row> rows = recipients();
            long deadTried = rows.entrySet().stream().filter(e -> e.getKey().endsWith("@dead.example"))
                    .filter(e -> e.getValue().attempts() > 0).count();
            assertEquals(0, deadTried, "the dead destination's tries are still waiting for a greeting");
            assertTrue(dead.connections() <= 2, "at most per_destination connections: " + dead.connections());
        }
    }

    @Test
    void everyHostRefusingAtTheGreetingIsATemporaryFailure() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().greeting("554 5.7.1 No SMTP service here").start()) {
            start(Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}"));
            send("s@example.org", List.of("r@example.com"), "greeting");
            Await.until(LIMIT, "tried", () -> recipients().get("r@example.com").attempts() == 1);
            Row r = recipients().get("r@example.com");
            assertEquals("deferred", r.state(), "a 5xx greeting means: try another host, or later");
            assertEquals(554, r.code());
            assertEquals("connect", r.stage());
        }
    }

    @Test
    void aDestinationThatSaysTooFastIsThrottledAndShownSo() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().greeting("421 4.7.0 me.com Error: too many errors").start()) {
            start(Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}"));
            send("s@example.org", List.of("r@example.com"), "throttle");
            Await.until(LIMIT, "tried", () -> recipients().get("r@example.com").attempts() == 1);
            assertEquals("rate_limited", recipients().get("r@example.com").category());

            var http = java.net.http.HttpClient.newHttpClient();
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + relay.adminPort() + "/api/destinations")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            var throttles = dev.tempfail.admin.Json.MAPPER.readTree(body);
            assertEquals(1, throttles.size(), body);
            assertEquals("127.0.0.1:" + up.port(), throttles.get(0).get("destination").asText());
            assertEquals(1, throttles.get(0).get("max_connections").asInt(), "fewer connections");
            assertTrue(throttles.get(0).has("paused_until"), "and a pause: " + body);
            assertTrue(throttles.get(0).get("reason").asText().contains("421 4.7.0"), body);

            var listing = relay.reader().list(10);
            assertEquals(1, listing.throttled().size(), "queue list shows it too");
        }
    }
}
