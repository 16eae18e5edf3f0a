package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code /metrics} after known deliveries, read by the Prometheus project's own text-format
 * parser (the Python client's {@code prometheus_client.parser}, Debian's python3-prometheus-client),
 * so a malformed exposition fails the test; and {@code /healthz}.
 */
class MetricsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String PARSE = String.join("\n",
            "import sys, json",
            "from prometheus_client.parser import text_string_to_metric_families",
            "out = []",
            "for f in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in f.samples:",
            "        out.append({'family': f.name, 'type': f.type, 'name': s.name, 'labels': s.labels, 'value': s.value})",
            "print(json.dumps(out))");

    @TempDir Path dir;

    @Test
    void countsAfterKnownDeliveriesAsPrometheusReadsThem() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import prometheus_client.parser"), "")
                .exit == 0, "python3 with prometheus_client is not installed (apt-get install python3-prometheus-client): skipped");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (FakeUpstream upstream = FakeUpstream.builder()
                .rcptReply("later@example.com", "450 4.2.0 Greylisted, try again later")
                .rcptReply("bad@example.com", "550 5.1.1 No such user").start();
             Relay relay = Relay.start(TestRelays.config(dir, Map.of(
                     "TEMPFAIL_DELIVERY_ENABLED", "true",
                     "TEMPFAIL_SMTP_NETWORKS", "127.0.0.1/32",
                     "TEMPFAIL_DELIVERY_ROUTES", "{example.com: \"127.0.0.1:" + upstream.port() + "\"}")),
                     clock, TestRelays.FAST)) {
            for (String to : List.of("ok1@example.com", "ok2@example.com", "later@example.com", "bad@example.com")) {
                assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "sender@example.com",
                        List.of(to), "Subject: hi\r\n\r\nhello\r\n")
                        .startsWith("250 "));
            }
            try (SmtpTestClient c = SmtpTestClient.connect("127.0.0.2", relay.smtpPort())) {
                c.greet("outside.test");
                c.command("MAIL FROM:<someone@outside.test>");
                assertTrue(c.command("RCPT TO:<victim@elsewhere.test>").startsWith("554 "));
            }
            // two deliveries and the failure report about bad@ to the sender: three accepted by the upstream
            Await.until(Duration.ofSeconds(60), "three deliveries", () -> upstream.messages().size() == 3
                    && get(relay, "/metrics").body().contains("tempfail_recipients_deferred_total{category=\"greylisted\"} 1"));
            clock.advance(Duration.ofMinutes(2)); // the deferred one is not due for 5 minutes at least (6m less jitter)

            HttpResponse<String> scrape = get(relay, "/metrics");
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), scrape.headers().toString());
            Result parsed = run(List.of(PYTHON.toString(), "-c", PARSE), scrape.body());
            assertEquals(0, parsed.exit, parsed.out + "\n" + scrape.body());
            JsonNode samples = new ObjectMapper().readTree(parsed.out);
            String all = scrape.body();

            assertEquals(4, value(samples, "tempfail_messages_received_total", Map.of()), all);
            assertEquals(3, value(samples, "tempfail_recipients_delivered_total", Map.of()), all);
            assertEquals(1, value(samples, "tempfail_recipients_deferred_total", Map.of("category", "greylisted")), all);
            assertEquals(1, value(samples, "tempfail_recipients_bounced_total", Map.of("category", "bad_mailbox")), all);
            assertEquals(1, value(samples, "tempfail_dsn_sent_total", Map.of("kind", "failed")), all);
            assertEquals(1, value(samples, "tempfail_intake_refusals_total", Map.of("reason", "relay_denied")), all);
            assertEquals(1, value(samples, "tempfail_queue_recipients", Map.of("state", "deferred")), all);
            assertEquals(0, value(samples, "tempfail_queue_recipients", Map.of("state", "queued")), all);
            assertEquals(120, value(samples, "tempfail_queue_oldest_deferred_age_seconds", Map.of()), all);
            assertEquals(0, value(samples, "tempfail_destinations_paused", Map.of()), all);
            assertEquals(0, value(samples, "tempfail_events_pending", Map.of()), all); // no webhook: none queued
            assertEquals(3, value(samples, "tempfail_delivery_latency_seconds_count", Map.of()), all);
            assertEquals(3, value(samples, "tempfail_delivery_attempts_count", Map.of()), all);
            assertEquals(3, value(samples, "tempfail_delivery_attempts_bucket", Map.of("le", "1.0")), all);
            assertEquals("histogram", family(samples, "tempfail_delivery_latency_seconds"), all);

            HttpResponse<String> health = get(relay, "/healthz");
            assertEquals(200, health.statusCode(), health.body());
            JsonNode checks = new ObjectMapper().readTree(health.body()).get("checks");
            assertTrue(checks.get("listening").asBoolean() && checks.get("queue_writable").asBoolean()
                    && checks.get("disk_space").asBoolean(), health.body());
        }
    }

    private static double value(JsonNode samples, String name, Map<String, String> labels) {
        for (JsonNode s : samples) {
            if (!s.get("name").asText().equals(name)) continue;
            boolean match = labels.entrySet().stream().allMatch(l -> l.getValue().equals(s.get("labels").path(l.getKey()).asText(null)));
            if (match) return s.get("value").asDouble();
        }
        throw new AssertionError("no sample " + name + labels);
    }

    private static String family(JsonNode samples, String name) {
        for (JsonNode s : samples) if (s.get("family").asText().equals(name)) return s.get("type").asText();
        throw new AssertionError("no family " + name);
    }

    private static HttpResponse<String> get(Relay relay, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.adminPort() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Result(int exit, String out) {}

    private static Result run(List<String> command, String input) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        return new Result(p.exitValue(), out);
    }
}
