package dev.tempfail.intake;

import org.junit.jupiter.api.Test;
import org.subethamail.smtp.server.Session;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SubEtha has no hook for the replies its session loop writes itself, so {@link StandardReplies}
 * rewrites them by their text. That text must still be SubEtha's: the day an upgrade rewords one,
 * the rewrite would miss it silently, so this test reads SubEtha's class files and fails first.
 */
class StandardRepliesTest {
    @Test
    void everyReplyWeRewriteIsStillOneThatSubEthaWrites() throws Exception {
        StringBuilder subetha = new StringBuilder();
        Path jar = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile j = new JarFile(jar.toFile())) {
            for (JarEntry e : Collections.list(j.entries())) {
                if (e.getName().endsWith(".class")) subetha.append(new String(j.getInputStream(e).readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        for (String theirs : StandardReplies.EXACT.keySet()) { // the code is often a separate constant: look for the words
            assertTrue(subetha.indexOf(theirs.substring(4)) >= 0, "SubEtha (" + jar.getFileName() + ") no longer writes: " + theirs);
        }
        assertTrue(subetha.indexOf(StandardReplies.BARE_LINE_ENDING) >= 0, "SubEtha no longer writes: " + StandardReplies.BARE_LINE_ENDING);
    }

    @Test
    void theirRepliesGetOurCodesAndOursPassUntouched() {
        assertEquals("500 5.5.2 Error: command not recognized", StandardReplies.rewrite("500 Error: command not implemented"));
        assertEquals("421 4.4.2 Error: timeout exceeded", StandardReplies.rewrite("421 Timeout waiting for data from client."));
        assertTrue(StandardReplies.rewrite(StandardReplies.BARE_LINE_ENDING + " 5").startsWith("500 5.5.2 Error: bare <CR> or <LF>"));
        assertEquals("250 2.0.0 Ok", StandardReplies.rewrite("250 2.0.0 Ok"));
    }
}
