package dev.tempfail.testsupport;

import dev.tempfail.config.QueueConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;

/**
 * A fresh PostgreSQL database for one test class, for tests that are about PostgreSQL itself
 * (query plans, locks, session settings):
 * {@code @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();}.
 * Created before the class's first test and dropped after its last; without a server
 * ({@link PostgresServer}) each of its tests is skipped.
 */
public final class PostgresDatabase implements ExecutionCondition, BeforeAllCallback, AfterAllCallback {
    private String url;

    /** Each test is reported as skipped, with the reason, rather than the class vanishing from the counts. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return PostgresServer.url().isPresent() ? ConditionEvaluationResult.enabled("PostgreSQL server configured")
                : ConditionEvaluationResult.disabled(PostgresServer.UNAVAILABLE);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        url = PostgresServer.createDatabase();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (url != null) PostgresServer.dropDatabase(url);
    }

    public String url() {
        return url;
    }

    /** The queue settings for this database, with {@code dir} as the node's local directory. */
    public QueueConfig queue(Path dir) {
        return queue(dir, TestQueues.NODE);
    }

    /** As {@link #queue(Path)}, for the node {@code nodeId}: several nodes sharing this database. */
    public QueueConfig queue(Path dir, String nodeId) {
        return QueueConfig.postgresql(dir, nodeId, url, null, null);
    }
}
