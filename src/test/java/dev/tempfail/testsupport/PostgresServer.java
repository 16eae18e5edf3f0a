package dev.tempfail.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL server tests may use: the one {@code PG_TEST_URL} names (a JDBC URL
 * of a database on it, with a user that may create databases). {@code bash .ci/run} starts a
 * private one ({@code .ci/postgres}) and sets it; without it, tests that need PostgreSQL are
 * skipped and say why.
 */
public final class PostgresServer {
    /** Not TEMPFAIL_*: every such variable is a config key, and a child relay would refuse an unknown one. */
    public static final String URL_VARIABLE = "PG_TEST_URL";
    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]+/)([^?]*)(\\?.*)?");

    static final String UNAVAILABLE = "no PostgreSQL server: set " + URL_VARIABLE + " (bash .ci/run starts one with .ci/postgres)";

    private PostgresServer() {}

    public static Optional<String> url() {
        String url = System.getenv(URL_VARIABLE);
        return url == null || url.isBlank() ? Optional.empty() : Optional.of(url.trim());
    }

    /** Skips the calling test (or class) unless a server is configured. */
    public static String assumeAvailable() {
        Optional<String> url = url();
        Assumptions.assumeTrue(url.isPresent(), UNAVAILABLE);
        return url.get();
    }

    /** Creates a new, empty database on the server and returns its JDBC URL (same user and parameters). */
    public static String createDatabase() {
        String admin = assumeAvailable();
        String name = "tempfail_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        execute(admin, "CREATE DATABASE " + name);
        return withDatabase(admin, name);
    }

    /** Drops a database {@link #createDatabase} made, even if connections to it are still open. */
    public static void dropDatabase(String url) {
        Matcher m = parse(url);
        execute(assumeAvailable(), "DROP DATABASE IF EXISTS " + m.group(2) + " WITH (FORCE)");
    }

    /** Runs one statement on the database {@code url} names. */
    public static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " on " + url + ": " + e.getMessage(), e);
        }
    }

    static String withDatabase(String url, String database) {
        Matcher m = parse(url);
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }

    private static Matcher parse(String url) {
        Matcher m = URL.matcher(url);
        if (!m.matches()) throw new IllegalArgumentException(URL_VARIABLE + " must look like jdbc:postgresql://host:port/db?user=u, got " + url);
        return m;
    }
}
