package dev.tempfail.intake;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataReaderTest {
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();

    private DataReader.Result read(String wire, long max) throws Exception {
        return read(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)), max);
    }

    private DataReader.Result read(java.io.InputStream in, long max) throws Exception {
        sink.reset();
        return DataReader.read(in, max, sink);
    }

    private String text(DataReader.Result r) {
        return sink.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void unstuffsDotsIncludingOnTheVeryFirstLine() throws Exception {
        DataReader.Result r = read("..first\r\nmid\r\n..\r\n...x\r\n.\r\nQUIT\r\n", 1000);
        assertTrue(r.acceptable());
        assertEquals(".first\r\nmid\r\n.\r\n..x\r\n", text(r));
    }

    @Test
    void anEmptyMessageEndsAtOnce() throws Exception {
        assertEquals("", text(read(".\r\n", 10)));
    }

    @Test
    void stopsExactlyAtTheTerminatorLeavingPipelinedCommands() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream("a\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        read(in, 100);
        assertEquals("QUIT\r\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }

    /**
     * A socket hands over bytes in pieces of any size: a message over many chunks, its terminator
     * split across reads, and what the client pipelined after it all stay where they belong.
     */
    @Test
    void aMessageInAwkwardPiecesFromABufferedSocketLeavesThePipelinedCommandsInTheStream() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 3000; i++) body.append(i % 7 == 0 ? ".." : "").append("line ").append(i).append("\r\n");
        byte[] wire = (body + ".\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int piece : new int[] {1, 2, 3, 5, 4096, 8191, 8193}) {
            java.io.BufferedInputStream in = new java.io.BufferedInputStream(new Trickle(wire, piece));
            DataReader.Result r = read(in, 1_000_000);
            assertTrue(r.acceptable(), "pieces of " + piece);
            assertEquals(body.toString().replace("\r\n..", "\r\n.").replaceFirst("^\\.\\.", "."), text(r), "pieces of " + piece);
            assertEquals("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n",
                    new String(in.readAllBytes(), StandardCharsets.US_ASCII), "pieces of " + piece);
        }
    }

    @Test
    void aStreamWithoutMarksIsReadAByteAtATimeAndKeepsWhatFollows() throws Exception {
        Trickle in = new Trickle("a\r\n..b\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII), 100);
        assertFalse(in.markSupported());
        assertEquals("a\r\n.b\r\n", text(read(in, 100)));
        assertEquals("QUIT\r\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }

    /** Gives at most {@code piece} bytes a read, as a socket may; no marks. */
    private static final class Trickle extends java.io.InputStream {
        private final byte[] data;
        private final int piece;
        private int pos;

        Trickle(byte[] data, int piece) {
            this.data = data;
            this.piece = piece;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) return -1;
            int n = Math.min(Math.min(len, piece), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Test
    void bareLineEndingsAndFakeTerminatorsAreCaughtAndReadPast() throws Exception {
        for (String fake : new String[] {"x\n.\n", "x\n.\r\n", "x\r\n.\n", "x\r.\r\n", "x\r\n.\r\r\n"}) {
            ByteArrayInputStream in = new ByteArrayInputStream((fake + "MAIL FROM:<a@b.example>\r\n.\r\nNEXT")
                    .getBytes(StandardCharsets.US_ASCII));
            DataReader.Result r = read(in, 1000);
            assertTrue(r.bareLineEnding(), fake);
            assertFalse(r.acceptable());
            assertEquals("NEXT", new String(in.readAllBytes(), StandardCharsets.US_ASCII), "read to the real end: " + fake);
        }
    }

    @Test
    void overTheLimitIsCountedButNotKept() throws Exception {
        DataReader.Result r = read("0123456789\r\n.\r\n", 5);
        assertTrue(r.tooLarge());
        assertTrue(sink.size() <= 5, "nothing past the limit is written");
        assertEquals(12, r.size());
        assertTrue(read("012\r\n.\r\n", 5).acceptable(), "exactly at the limit is fine");
    }

    @Test
    void endOfInputBeforeTheTerminatorIsAnError() {
        assertThrows(EOFException.class, () -> read("half a message\r\n", 100));
    }

    @Test
    void aSinkThatFailsStopsTheWritingButTheReadGoesOnToTheEnd() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(("x".repeat(20_000) + "\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        DataReader.Result r = DataReader.read(in, 100_000, full);
        assertFalse(r.acceptable());
        assertEquals("No space left on device", r.writeError().getMessage());
        assertEquals(20_002, r.size());
        assertEquals("QUIT\r\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII), "still in step with the client");
    }
}
