package dev.tempfail.queue;

import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupCommitTest {
    @TempDir Path dir;

    /** Holds the committer inside a batch of its own until released, so that the next batch can be lined up. */
    private static Future<?> holdCommitter(Database db, ExecutorService pool, CountDownLatch release) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        Future<?> f = pool.submit(() -> {
            db.write(c -> {
                holding.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return null;
        });
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        return f;
    }

    private static void awaitWaiting(Database db, int n) throws Exception {
        Await.until(Duration.ofSeconds(30), "writes lined up", () -> db.waitingWrites() >= n);
    }

    @Test
    void aBadWriteFailsAloneAndNoWorkInItsBatchRunsTwice() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try (Database db = TestQueues.open(dir, 4)) {
            CountDownLatch release = new CountDownLatch(1);
            Future<?> held = holdCommitter(db, pool, release);
            List<AtomicInteger> runs = new ArrayList<>();
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                AtomicInteger n = new AtomicInteger();
                runs.add(n);
                boolean bad = i == 4;
                results.add(pool.submit(() -> {
                    try {
                        db.write(c -> {
                            n.incrementAndGet();
                            c.createStatement().execute(bad
                                    ? "INSERT INTO destination (name, updated_at) VALUES ('" + "x".repeat(300) + "', 0)"
                                    : "INSERT INTO destination (name, updated_at) VALUES ('d" + n.hashCode() + "', 0)");
                        });
                        return "ok";
                    } catch (SQLException e) {
                        return e.getSQLState();
                    }
                }));
                awaitWaiting(db, i + 1); // in this order, all in the next batch
            }
            release.countDown();
            held.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                assertEquals(i == 4 ? "22001" : "ok", results.get(i).get(30, TimeUnit.SECONDS), "write " + i);
                assertEquals(1, runs.get(i).get(), "write " + i + " ran once");
            }
            assertEquals(9, Sql.count(db, "SELECT COUNT(*) FROM destination"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCommitterKilledByAnErrorFailsItsSessionsWith451AndTheNextMessageIsStored() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Relay relay = Relay.start(TestRelays.config(dir, Map.of()), Clock.systemUTC())) {
            Database db = relay.database();
            CountDownLatch release = new CountDownLatch(1);
            Future<?> held = holdCommitter(db, pool, release);
            CompletableFuture<String> session = CompletableFuture.supplyAsync(() -> send(relay, "first"), pool);
            awaitWaiting(db, 1);
            Future<?> poison = pool.submit(() -> {
                db.write(c -> {
                    throw new StackOverflowError("a bug deep in a write");
                });
                return null;
            });
            awaitWaiting(db, 2); // the session's write and the poison share the next batch
            release.countDown();
            held.get(30, TimeUnit.SECONDS);
            String reply = session.get(60, TimeUnit.SECONDS);
            assertTrue(reply.startsWith("451 4.3.0 "), reply);
            assertThrows(java.util.concurrent.ExecutionException.class, () -> poison.get(30, TimeUnit.SECONDS));

            String next = send(relay, "second");
            assertTrue(next.startsWith("250 2.0.0 Ok: queued as "), "a new committer took over: " + next);
            assertEquals(1, new QueueReader(db, dev.tempfail.config.ConfigLoader.defaults().retry()).list(10).total(), "the refused message left nothing; the next is stored");
        } finally {
            pool.shutdownNow();
        }
    }

    private static String send(Relay relay, String subject) {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            return c.sendMail("s@example.org", List.of("r@example.com"), "Subject: " + subject + "\r\n\r\nhi\r\n");
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
