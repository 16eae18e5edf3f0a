package dev.tempfail.testsupport;

import dev.tempfail.config.QueueConfig;
import dev.tempfail.queue.Database;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that says which database the queue tests open. By default the embedded H2
 * file in the test's directory; with {@code -Dtempfail.test.database=postgresql} (the pom's
 * {@code postgresql} test run) a fresh PostgreSQL database for each queue directory, so a test
 * that restarts a relay on the same directory finds its queue again.
 *
 * <p>As an extension (registered for the PostgreSQL run through {@code META-INF/services}) it
 * skips every test of that run, saying why, when no server is configured, so that those tests
 * never pass without having touched PostgreSQL; and it drops a test class's databases after it.
 */
public final class TestQueues implements ExecutionCondition, AfterAllCallback {
    public static final String PROPERTY = "tempfail.test.database";
    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
    /** The node name of a queue a test opens directly (relays take theirs from the configuration). */
    public static final String NODE = "test-node";

    /** True in the PostgreSQL run. */
    public static boolean postgresql() {
        return "postgresql".equals(System.getProperty(PROPERTY, "h2").toLowerCase(Locale.ROOT));
    }

    /** The queue for {@code dir}: H2 in it, or (PostgreSQL run) the database made for it. */
    public static QueueConfig queue(Path dir) {
        if (!postgresql()) return QueueConfig.h2(dir, true, NODE);
        String url = DATABASES.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> PostgresServer.createDatabase());
        return QueueConfig.postgresql(dir, NODE, url, null, null);
    }

    public static Database open(Path dir, int maxConnections) {
        return Database.open(queue(dir), maxConnections);
    }

    /** The same choice as TEMPFAIL_QUEUE_* variables, for relays configured from the environment. */
    public static Map<String, String> env(Path dir) {
        QueueConfig q = queue(dir);
        return q.url().map(url -> Map.of("TEMPFAIL_QUEUE_DIR", dir.toString(), "TEMPFAIL_QUEUE_URL", url))
                .orElse(Map.of("TEMPFAIL_QUEUE_DIR", dir.toString()));
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!postgresql() || PostgresServer.url().isPresent()) return ConditionEvaluationResult.enabled("database available");
        return ConditionEvaluationResult.disabled("the PostgreSQL run: " + PostgresServer.UNAVAILABLE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getRequiredTestClass().getEnclosingClass() != null) return; // a nested class: its outer class drops
        for (Path dir : DATABASES.keySet()) PostgresServer.dropDatabase(DATABASES.remove(dir));
    }
}
