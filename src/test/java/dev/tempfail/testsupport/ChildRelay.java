package dev.tempfail.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.admin.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code tempfail serve} in a child JVM, for what only a separate process can show: that a
 * relay killed with SIGKILL (no shutdown hook, no clean close of H2) loses nothing, and that
 * one stopped with SIGTERM drains and exits 0.
 */
public final class ChildRelay implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int smtpPort;
    private final int adminPort;
    private final HttpClient http = HttpClient.newHttpClient();

    private ChildRelay(Process process, Path log, int smtpPort, int adminPort) {
        this.process = process;
        this.log = log;
        this.smtpPort = smtpPort;
        this.adminPort = adminPort;
    }

    /** Starts {@code serve} with the queue of {@code queueDir} ({@link TestQueues}), TEMPFAIL_* {@code env}, and waits until it listens. */
    public static ChildRelay start(Path queueDir, Path log, Map<String, String> env) throws Exception {
        return start(queueDir, log, env, List.of());
    }

    /**
     * As {@link #start(Path, Path, Map)}, with more JVM options (e.g. {@code -Xmx256m}). The relay
     * is always launched as in production: {@code -XX:+ExitOnOutOfMemoryError}, so that a JVM out
     * of memory stops at once instead of letting H2 write a half-formed page.
     */
    public static ChildRelay start(Path queueDir, Path log, Map<String, String> env, List<String> jvmOptions)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(queueDir, log, env, jvmOptions);
            } catch (PortTaken e) {
                // the free port was taken between our check and the child's bind (other tests, other processes)
                if (attempt == 3) throw new AssertionError("serve could not bind three times: " + e.getMessage());
            }
        }
    }

    private static ChildRelay startOnce(Path queueDir, Path log, Map<String, String> env, List<String> jvmOptions)
            throws Exception {
        int smtpPort = freePort();
        int adminPort = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tempfail.cli.Main", "serve"));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> all = new HashMap<>(env);
        all.put("TEMPFAIL_SMTP_LISTEN", "127.0.0.1:" + smtpPort);
        all.put("TEMPFAIL_ADMIN_LISTEN", "127.0.0.1:" + adminPort);
        all.putAll(TestQueues.env(queueDir));
        all.putIfAbsent("TEMPFAIL_DELIVERY_DNS_SERVERS", "127.0.0.1:9"); // never a real resolver
        pb.environment().putAll(all);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        ChildRelay child = new ChildRelay(pb.start(), log, smtpPort, adminPort);
        child.awaitListening();
        return child;
    }

    public int smtpPort() {
        return smtpPort;
    }

    public int adminPort() {
        return adminPort;
    }

    /** The exit code, once the process has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as {@code kill -9}: the process gets no chance to clean up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = log();
                if (output.endsWith("Address already in use\n") || output.endsWith("Address already in use")) {
                    throw new PortTaken(output);
                }
                throw new AssertionError("serve exited: " + output);
            }
            if (healthSaysListening()) return;
            process.waitFor(100, TimeUnit.MILLISECONDS); // start-up poll
        }
        throw new AssertionError("serve did not listen within 60 s: " + log());
    }

    /**
     * Asks {@code /healthz} rather than opening an SMTP connection: a probe connection could
     * still be counted against the per-client limit when a test's own sessions arrive.
     */
    private boolean healthSaysListening() throws InterruptedException {
        try {
            return admin("/healthz", Duration.ofSeconds(5)).path("checks").path("listening").asBoolean(false);
        } catch (IOException notYet) {
            return false;
        }
    }

    /** GET {@code path} on the child's admin listener, read as JSON. */
    private JsonNode admin(String path, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(r.body());
    }

    private static final class PortTaken extends Exception {
        PortTaken(String log) {
            super(log.strip().lines().reduce((a, b) -> b).orElse(""));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Sends SIGTERM (a clean stop) without waiting for it. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit and returns its exit code; fails if it is still running after {@code limit}. */
    public int awaitExit(Duration limit) throws Exception {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new AssertionError("serve still running " + limit + " after SIGTERM: " + log());
        }
        return exitValue();
    }

    /** Messages in the queue, as its admin API counts them. */
    public int queueTotal() throws Exception {
        return admin("/api/queue?limit=1", Duration.ofSeconds(30)).get("total").asInt();
    }

    /** SIGTERM: a clean stop. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
    }
}
