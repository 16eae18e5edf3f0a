package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.Relay;
import dev.tempfail.testsupport.Cli;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tempfail queue list|show} against a running relay (admin API) and against the database alone. */
class QueueCliTest {
    @TempDir Path dir;

    private Path configFor(int adminPort) throws Exception {
        Path f = dir.resolve("cli.yaml");
        Files.writeString(f, "queue:\n  dir: " + dir.resolve("q") + "\nadmin:\n  listen: 127.0.0.1:" + adminPort + "\n");
        return f;
    }

    @Test
    void listAndShowThroughTheAdminApiAndFromTheDatabase() throws Exception {
        String queueId;
        Path config;
        try (Relay relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of()), Clock.systemUTC())) {
            String reply = SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                    List.of("a@example.com", "b@example.net"), "Subject: cli\r\n\r\nx\r\n");
            queueId = SmtpTestClient.queueId(reply);
            config = configFor(relay.adminPort());

            Cli list = Cli.run("queue", "list", "--json", "--config", config.toString());
            assertEquals(0, list.exitCode(), list.err());
            JsonNode listing = Json.MAPPER.readTree(list.out());
            assertEquals(1, listing.get("total").asInt());
            assertEquals(queueId, listing.get("messages").get(0).get("queue_id").asText());

            Cli show = Cli.run("queue", "show", queueId, "--json", "--config", config.toString());
            assertEquals(0, show.exitCode(), show.err());
            JsonNode message = Json.MAPPER.readTree(show.out());
            assertEquals("s@example.org", message.get("sender").asText());
            assertTrue(message.get("size").asInt() > 0);
            assertTrue(message.get("received_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
            JsonNode rcpt = message.get("recipients").get(1);
            assertEquals("b@example.net", rcpt.get("address").asText());
            assertEquals("queued", rcpt.get("state").asText());
            assertEquals(0, rcpt.get("attempts").asInt());
            assertTrue(rcpt.has("next_attempt_at"));

            Cli human = Cli.run("queue", "list", "--config", config.toString());
            assertTrue(human.out().contains(queueId) && human.out().contains("b@example.net  queued"), human.out());

            Cli missing = Cli.run("queue", "show", "NOSUCHID", "--config", config.toString());
            assertEquals(1, missing.exitCode());
            assertTrue(missing.err().contains("no message NOSUCHID"), missing.err());

            // while the relay runs, its admin API answers: same JSON as the database read below
            String viaApi = show.out();
            relay.close();
            Cli offline = Cli.run("queue", "show", queueId, "--json", "--config", config.toString());
            assertEquals(0, offline.exitCode(), offline.err());
            assertEquals(Json.MAPPER.readTree(viaApi), Json.MAPPER.readTree(offline.out()));
        }
    }
}
