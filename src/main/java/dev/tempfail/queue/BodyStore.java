package dev.tempfail.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Where message bodies live, apart from the metadata rows: the heap holds buffers, never whole
 * messages. A body is written first ({@link #create}, then {@link Draft#seal}, which makes it
 * durable), and only then does a committed row name it by its key; so a crash in between leaves
 * an unnamed body, which the start-up sweep removes ({@link BodySweep}), never a row without
 * its bytes. A body is deleted after the commit that drops its row.
 *
 * <p>Two implementations: {@link SpoolFiles}, one file per message beside the embedded H2 queue,
 * and {@link DatabaseBodies}, chunks in the PostgreSQL queue itself, so that every node sharing
 * it reads every body. Bytes go in through an OutputStream and come out through an InputStream,
 * keys are short strings, and {@link #sync} may do nothing.
 */
public interface BodyStore {

    /** Starts a new body for the message {@code queueId}. */
    Draft create(String queueId) throws IOException;

    /**
     * The body's bytes from the start. A body that is gone (deleted by hand, a disk that lost it)
     * throws {@link java.nio.file.NoSuchFileException}.
     */
    InputStream open(String key) throws IOException;

    /** Removes a body; one that is already gone is fine. */
    void delete(String key) throws IOException;

    /**
     * Makes every body sealed so far durable as a whole (for files: the directory entries).
     * Called before the commit that names them counts; may do nothing where {@link Draft#seal}
     * already did it all.
     */
    void sync() throws IOException;

    /** Every key the store holds, sealed or not: for the start-up sweep, when nothing writes. */
    List<String> keys() throws IOException;

    /** Writes a whole small body at once (delivery reports). */
    default Stored put(String queueId, byte[] bytes) throws IOException {
        Draft d = create(queueId);
        try {
            d.write(bytes);
            return d.seal();
        } catch (IOException | RuntimeException e) {
            d.discard();
            throw e;
        }
    }

    /** A body being written. Either {@link #seal}ed, or {@link #discard}ed; writes are buffered. */
    abstract class Draft extends OutputStream {
        /** Flushes, makes the bytes durable (when the queue syncs at all), and says where they are. */
        public abstract Stored seal() throws IOException;

        /** Throws the body away: a failed or refused transaction, or a commit that did not happen. Never throws. */
        public abstract void discard();

        /** Discards the body unless it was sealed. Never throws. */
        @Override
        public abstract void close();
    }

    /** A sealed body: the key a row names it by, and its size in bytes. */
    record Stored(String key, long size) {}
}
