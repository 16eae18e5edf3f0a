package dev.tempfail.admin;

import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tempfail serve} that cannot start says why in one line: which listener and address, or who holds the queue. */
class StartupErrorsTest {
    @TempDir Path dir;

    private Cli serve(String yaml) throws Exception {
        Path config = dir.resolve("serve.yaml");
        Files.writeString(config, yaml);
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Cli.run("serve", "--config", config.toString()));
    }

    private static void assertOneLine(Cli c, String... parts) {
        assertEquals(1, c.exitCode(), c.err());
        String err = c.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        for (String p : parts) assertTrue(err.contains(p), err);
    }

    @Test
    void aPortInUseNamesTheListenerAndTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Cli smtp = serve("smtp:\n  listen: 127.0.0.1:" + port + "\nadmin:\n  listen: 127.0.0.1:0\nqueue:\n  dir: " + dir.resolve("q1") + "\n");
            assertOneLine(smtp, "tempfail: SMTP listener (smtp.listen 127.0.0.1:" + port + ")");
            Cli admin = serve("smtp:\n  listen: 127.0.0.1:0\nadmin:\n  listen: 127.0.0.1:" + port + "\nqueue:\n  dir: " + dir.resolve("q2") + "\n");
            assertOneLine(admin, "tempfail: admin listener (admin.listen 127.0.0.1:" + port + ")");
        }
    }

    @Test
    void aQueueHeldByAnotherProcessIsSaidSo() throws Exception {
        Path queue = dir.resolve("q");
        try (ChildRelay other = ChildRelay.start(queue, dir.resolve("child.log"), Map.of())) {
            Cli second = serve("smtp:\n  listen: 127.0.0.1:0\nadmin:\n  listen: 127.0.0.1:0\nqueue:\n  dir: " + queue + "\n");
            assertOneLine(second, "tempfail: cannot open the queue database in " + queue.toAbsolutePath().normalize(), "another tempfail");
            // the queue commands, pointed at an admin port where nothing answers, say the same
            Path cli = dir.resolve("cli.yaml");
            try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                Files.writeString(cli, "admin:\n  listen: 127.0.0.1:" + closed.getLocalPort() + "\nqueue:\n  dir: " + queue + "\n");
            }
            Cli list = Cli.run("queue", "list", "--config", cli.toString());
            assertEquals(1, list.exitCode(), list.err());
            assertTrue(list.err().contains("cannot open the queue database"), list.err());
        }
    }
}
