package dev.tempfail.smtp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DotStuffingOutputStreamTest {
    @Test
    void stuffsDotsAtLineStartsOnly() throws IOException {
        assertEquals("..a\r\nb.c\r\n...\r\n..\r\n x\r\n.\r\n", stuffed(".a\r\nb.c\r\n..\r\n.\r\n x\r\n", 1 << 20));
    }

    @Test
    void sameResultWhateverTheWriteBoundaries() throws IOException {
        String in = ".a\r\nb.c\r\n..\r\n.\r\n x\r\n.";
        String whole = stuffed(in, 1 << 20);
        for (int chunk = 1; chunk <= 5; chunk++) assertEquals(whole, stuffed(in, chunk), "chunk " + chunk);
        assertEquals("..a\r\nb.c\r\n...\r\n..\r\n x\r\n..\r\n.\r\n", whole);
    }

    @Test
    void endsTheContentWithCrlfBeforeTheDot() throws IOException {
        assertEquals(".\r\n", stuffed("", 10));
        assertEquals("x\r\n.\r\n", stuffed("x", 10));
        assertEquals("x\r\n.\r\n", stuffed("x\r", 10));
        assertEquals("x\r\n.\r\n", stuffed("x\r\n", 10));
    }

    @Test
    void stuffsAfterABareLineFeedToo() throws IOException {
        // Against "SMTP smuggling": LF.CRLF must never reach a lenient receiver unstuffed.
        assertEquals("a\n..\r\nb\r\n.\r\n", stuffed("a\n.\r\nb\r\n", 3));
    }

    private static String stuffed(String content, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DotStuffingOutputStream s = new DotStuffingOutputStream(out);
        byte[] b = content.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += chunk) s.write(b, i, Math.min(chunk, b.length - i));
        s.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
