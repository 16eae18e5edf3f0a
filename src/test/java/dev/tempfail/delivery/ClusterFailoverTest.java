package dev.tempfail.delivery;

import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code serve} nodes on one PostgreSQL queue, mail coming in through both; the node that is
 * mid-delivery is killed with SIGKILL. The survivor takes over what the dead node held once its
 * leases expire ({@code queue.lease_time} is 5 s here), reading the bodies the dead node took in
 * from the database: every acknowledged message is delivered, and only the tries the dead node
 * had in flight at the kill (the next hop had their data, the node never heard the 250) come
 * twice.
 */
@Tag("postgresql")
class ClusterFailoverTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    private static final int MESSAGES = 60;
    private static final int WORKERS = 2;
    private static final int HELD_AFTER = 20;

    @TempDir Path dir;

    @Test
    void aNodeKilledMidDeliveryLosesNothingAndOnlyItsTriesInFlightComeTwice() throws Exception {
        // The upstream answers the first HELD_AFTER messages, then records each later one and holds
        // its 250, so the kill finds the victim's workers mid-try however fast the machine is.
        try (FakeUpstream up = FakeUpstream.builder().holdRepliesAfter(HELD_AFTER).start()) {
            ChildRelay a = start("node-a", up);
            ChildRelay b = start("node-b", up);
            Map<String, ChildRelay> nodes = Map.of("node-a", a, "node-b", b);
            try {
                try (SmtpTestClient ca = SmtpTestClient.greeted(a.smtpPort());
                     SmtpTestClient cb = SmtpTestClient.greeted(b.smtpPort())) {
                    for (int i = 0; i < MESSAGES; i++) {
                        SmtpTestClient c = i % 2 == 0 ? ca : cb;
                        String content = "Subject: failover " + i + "\r\n\r\nx\r\n";
                        String reply = c.transaction("s@example.org", List.of("r" + i + "@example.com"), content);
                        assertTrue(reply.startsWith("250 "), "acknowledged: " + reply);
                    }
                }
                // the held tries: at least one node's workers are all stuck (there is more mail than answers)
                Await.until(Duration.ofSeconds(90), "workers stuck on held replies",
                        () -> up.messages().size() >= HELD_AFTER + WORKERS);
                Map<String, Integer> held = heldByNode(up);
                String victim = held.getOrDefault("node-a", 0) >= held.getOrDefault("node-b", 0) ? "node-a" : "node-b";
                String survivor = victim.equals("node-a") ? "node-b" : "node-a";
                nodes.get(victim).kill();
                int inFlight = heldByNode(up).getOrDefault(victim, 0); // final: the dead node sends nothing more
                int leasedByVictim = leasedBy(victim);
                assertTrue(inFlight >= 1, "the victim was mid-delivery: " + heldByNode(up));
                assertTrue(leasedByVictim >= inFlight, "the dead node still holds leases: " + leasedByVictim);
                up.releaseHeld();

                ChildRelay alive = nodes.get(survivor);
                Await.until(Duration.ofSeconds(120), "every message delivered", () -> up.subjectCounts().size() == MESSAGES);
                Await.until(Duration.ofSeconds(60), "queue empty", () -> alive.queueTotal() == 0);
                assertEquals(0, leasedBy(victim), "the survivor took over every lease of the dead node");
                assertTrue(alive.log().contains("reclaimed"), "the survivor says it reclaimed expired leases");

                Map<String, Integer> counts = up.subjectCounts();
                int duplicates = up.messages().size() - counts.size();
                System.out.printf("cluster failover test: %d messages acknowledged by two nodes, %s killed with %d "
                                + "try(s) in flight and %d recipient(s) leased; %d delivered, %d duplicate(s)%n",
                        MESSAGES, victim, inFlight, leasedByVictim, counts.size(), duplicates);
                assertEquals(MESSAGES, counts.size(), "none lost");
                assertTrue(duplicates <= inFlight, "duplicates only for the tries in flight at the kill: " + duplicates
                        + " > " + inFlight);
                counts.forEach((subject, n) -> assertTrue(n <= 2, subject + " delivered " + n + " times"));
            } finally {
                a.kill();
                b.kill();
            }
        }
    }

    private ChildRelay start(String node, FakeUpstream up) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TEMPFAIL_QUEUE_URL", pg.url());
        env.put("TEMPFAIL_QUEUE_NODE_ID", node);
        env.put("TEMPFAIL_QUEUE_LEASE_TIME", "5s");
        env.put("TEMPFAIL_SMTP_HOSTNAME", node + ".test"); // its EHLO name tells the upstream which node sent
        env.put("TEMPFAIL_DELIVERY_WORKERS", "" + WORKERS);
        env.put("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}");
        return ChildRelay.start(dir.resolve(node), dir.resolve(node + ".log"), env);
    }

    /** Tries the upstream holds (beyond the first HELD_AFTER it answered), by the node that sent them (its EHLO name). */
    private static Map<String, Integer> heldByNode(FakeUpstream up) {
        Map<String, Integer> held = new TreeMap<>();
        List<ReceivedMessage> messages = up.messages();
        for (int i = HELD_AFTER; i < messages.size(); i++) {
            held.merge(messages.get(i).helo().replace(".test", ""), 1, Integer::sum);
        }
        return held;
    }

    private static int leasedBy(String node) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url());
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM recipient WHERE lease_owner = ?")) {
            s.setString(1, node);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }
}
