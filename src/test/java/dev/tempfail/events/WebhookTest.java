package dev.tempfail.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tempfail.Relay;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.QueueView;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery events end to end: a relay on a test clock delivers to a fake upstream and POSTs its
 * events to a real HTTP receiver on loopback, which checks every signature. One recipient is
 * greylisted twice, then finds the mailbox full (past the delay warning), then is delivered: it
 * gives exactly one event for the first deferral, none for the repeat, one for the category
 * change, one for the delay warning and one for the delivery. The receiver refuses the very
 * first POST: it comes again once the clock passes its backoff.
 */
class WebhookTest {
    private static final String SECRET = "s3cret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Post(String event, String signature, String body, int answered) {}

    @TempDir Path dir;
    private final List<Post> posts = new CopyOnWriteArrayList<>();
    private HttpServer receiver;

    @AfterEach
    void stop() {
        if (receiver != null) receiver.stop(0);
    }

    @Test
    void signedEventsOnlyWhenSomethingChanged() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        receiver.createContext("/hook", x -> {
            String body;
            try (InputStream in = x.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int status = posts.isEmpty() ? 500 : 200;
            posts.add(new Post(x.getRequestHeaders().getFirst("X-Tempfail-Event"),
                    x.getRequestHeaders().getFirst("X-Tempfail-Signature"), body, status));
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.start();

        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (FakeUpstream upstream = FakeUpstream.builder()
                .rcptReplies("later@example.com", "450 4.2.0 Greylisted, try again later",
                        "450 4.2.0 Greylisted, try again later", "452 4.2.2 Mailbox full", "250 2.1.5 Ok")
                .rcptReply("bad@example.com", "550 5.1.1 No such user").start();
             Relay relay = Relay.start(TestRelays.config(dir, Map.of(
                     "TEMPFAIL_DELIVERY_ENABLED", "true",
                     "TEMPFAIL_RETRY_DELAY_WARNING", "1h",
                     "TEMPFAIL_EVENTS_WEBHOOK_URL", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                     "TEMPFAIL_EVENTS_WEBHOOK_SECRET", SECRET,
                     "TEMPFAIL_DELIVERY_ROUTES", "{example.com: \"127.0.0.1:" + upstream.port() + "\"}")),
                     clock, TestRelays.FAST)) {
            String later = null;
            for (String to : List.of("ok@example.com", "later@example.com", "bad@example.com")) {
                try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
                    // from <>: no report comes back to complicate the count of events
                    String reply = c.sendMail("", List.of(to), "Subject: to " + to + "\r\n\r\nhello\r\n");
                    assertTrue(reply.startsWith("250 "), reply);
                    if (to.startsWith("later")) later = SmtpTestClient.queueId(reply);
                }
            }
            String laterId = later;
            // delivered (ok@), deferred (later@, greylisted), bounced (bad@): three POSTs, the first refused
            Await.until(Duration.ofSeconds(60), "three events posted", () -> posts.size() == 3);
            QueueReader reader = relay.reader();
            List<QueueView.Event> shown = reader.show(laterId).orElseThrow().events();
            assertEquals(1, shown.size(), shown.toString());
            assertEquals("deferred", shown.get(0).kind());
            JsonNode api = JSON.readTree(get(relay, "/api/queue/" + laterId));
            assertEquals("deferred", api.get("events").get(0).get("kind").asText(), api.toString());

            clock.advance(Duration.ofMinutes(10)); // the refused event's backoff (30 s) and the greylisting wait pass
            relay.wakeScheduler();
            Await.until(Duration.ofSeconds(60), "second try of later@ and the refused event again",
                    () -> attempts(reader, laterId) == 2 && posts.size() == 4);

            clock.advance(Duration.ofHours(2)); // past the second greylisting wait and the 1 h delay warning
            relay.wakeScheduler();
            Await.until(Duration.ofSeconds(60), "category change and delay warning",
                    () -> attempts(reader, laterId) == 3 && posts.size() == 6);

            clock.advance(Duration.ofHours(2)); // past mailbox_full's 1 h
            relay.wakeScheduler();
            Await.until(Duration.ofSeconds(60), "delivered", () -> posts.size() == 7);
        }

        for (Post p : posts) {
            assertEquals(expectedSignature(p.body()), p.signature(), "signature of " + p.body());
            assertEquals(JSON.readTree(p.body()).get("event").asText(), p.event());
        }
        Post refused = posts.get(0);
        assertEquals(500, refused.answered());
        String refusedId = JSON.readTree(refused.body()).get("id").asText();
        assertEquals(1, posts.stream().filter(p -> p.answered() == 200 && p.body().contains(refusedId)).count(),
                "the refused event came again and was taken");

        List<String> forLater = posts.stream().filter(p -> p.answered() == 200)
                .map(p -> json(p.body())).filter(e -> e.get("recipient").asText().equals("later@example.com"))
                .map(e -> e.get("event").asText() + ":" + e.get("category").asText(null)).toList();
        assertEquals(List.of("deferred:greylisted", "deferred:mailbox_full", "delayed:mailbox_full", "delivered:null"),
                forLater, "one event for the first deferral, none for the repeat: " + posts);
        List<String> others = posts.stream().filter(p -> p.answered() == 200).map(p -> json(p.body()))
                .filter(e -> !e.get("recipient").asText().equals("later@example.com"))
                .map(e -> e.get("recipient").asText() + ":" + e.get("event").asText()).sorted().toList();
        assertEquals(List.of("bad@example.com:bounced", "ok@example.com:delivered"), others);
        JsonNode bounced = posts.stream().map(p -> json(p.body()))
                .filter(e -> e.get("event").asText().equals("bounced")).findFirst().orElseThrow();
        assertEquals("5.1.1", bounced.get("dsn").asText());
        assertEquals("550 5.1.1 No such user", bounced.get("reply").asText());
    }

    private static int attempts(QueueReader reader, String queueId) throws Exception {
        return reader.show(queueId).map(m -> m.recipients().get(0).attempts()).orElse(-1);
    }

    private static String expectedSignature(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    private static String get(Relay relay, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.adminPort() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
