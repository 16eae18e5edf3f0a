package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempfail.config.AdminConfig;
import dev.tempfail.config.HostPort;
import dev.tempfail.queue.Database;
import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.queue.QueueStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /healthz} says 503 and which check failed; it needs no token. */
class HealthApiTest {
    @TempDir Path dir;

    @Test
    void failingChecksGive503AndSayWhich() throws Exception {
        try (Database db = TestQueues.open(dir, 4);
             AdminServer admin = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), Optional.of("t0ken")))) {
            QueueStats stats = new QueueStats(db);
            new HealthApi(() -> false, stats, dir, Long.MAX_VALUE).register(admin.routes());
            admin.start();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin.port() + "/healthz")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode(), r.body());
            JsonNode checks = new ObjectMapper().readTree(r.body()).get("checks");
            assertFalse(checks.get("listening").asBoolean(), r.body());
            assertFalse(checks.get("disk_space").asBoolean(), r.body());
            assertTrue(checks.get("queue_writable").asBoolean(), r.body());
        }
    }
}
