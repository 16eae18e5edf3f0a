package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.Relay;
import dev.tempfail.testsupport.Cli;
import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.PostgresServer;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two relays on one PostgreSQL queue: each heartbeats into the node table, and either lists both. */
@Tag("postgresql")
class NodeListTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    @TempDir Path dir;

    private Relay start(String node) throws Exception {
        return Relay.start(TestRelays.config(dir.resolve(node), Map.of("TEMPFAIL_QUEUE_URL", pg.url(),
                "TEMPFAIL_QUEUE_NODE_ID", node)), Clock.systemUTC(), TestRelays.FAST);
    }

    private static Map<String, JsonNode> byName(JsonNode nodes) {
        Map<String, JsonNode> out = new HashMap<>();
        nodes.forEach(n -> out.put(n.get("node").asText(), n));
        return out;
    }

    @Test
    void eachNodeIsListedWithItsStateAndWhatItHolds() throws Exception {
        // a node that died a minute ago holding one recipient
        long minuteAgo = System.currentTimeMillis() - 60_000;
        try (Relay a = start("node-a")) {
            PostgresServer.execute(pg.url(), "INSERT INTO node (id, started_at, heartbeat_at) VALUES ('node-c', "
                    + minuteAgo + ", " + minuteAgo + ")");
            PostgresServer.execute(pg.url(), "INSERT INTO message (queue_id, sender, size, received_at) VALUES ('Q1', '', 1, 0)");
            PostgresServer.execute(pg.url(), "INSERT INTO recipient (message_id, address, domain, state, lease_owner, lease_token, "
                    + "lease_until) SELECT id, 'r@example.com', 'example.com', 'delivering', 'node-c', 1, " + (minuteAgo + 600_000)
                    + " FROM message");
            Path config = dir.resolve("cli.yaml");
            Files.writeString(config, "admin:\n  listen: 127.0.0.1:" + a.adminPort() + "\n");
            try (Relay b = start("node-b")) {
                Cli list = Cli.run("node", "list", "--json", "--config", config.toString()).ok();
                Map<String, JsonNode> nodes = byName(list.json());
                assertEquals(3, nodes.size(), list.out());
                assertEquals("running", nodes.get("node-a").get("state").asText());
                assertEquals("127.0.0.1:" + a.smtpPort(), nodes.get("node-a").get("smtp").asText());
                assertEquals("running", nodes.get("node-b").get("state").asText());
                assertEquals("127.0.0.1:" + b.adminPort(), nodes.get("node-b").get("admin").asText());
                assertEquals("silent", nodes.get("node-c").get("state").asText());
                assertEquals(1, nodes.get("node-c").get("leased").asInt());
                assertEquals(0, nodes.get("node-a").get("leased").asInt());
            }
            Map<String, JsonNode> after = byName(Cli.run("node", "list", "--json", "--config", config.toString()).json());
            assertEquals("stopped", after.get("node-b").get("state").asText(), "a clean stop is recorded");
            Cli human = Cli.run("node", "list", "--config", config.toString());
            assertTrue(human.out().contains("node-a") && human.out().contains("running"), human.out());
        }
    }
}
