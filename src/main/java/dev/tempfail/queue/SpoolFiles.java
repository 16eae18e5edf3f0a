package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Bodies as one file per message in {@code queue.dir/spool}, named by queue id, as Postfix keeps
 * one queue file per message. With {@code fsync} each file is forced to the disk when sealed
 * (in the session's own thread, so sessions sync in parallel), and the directory once per
 * group commit ({@link #sync}), before the commit that names the files counts.
 */
public final class SpoolFiles implements BodyStore {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** Queue ids: the only names we write, so a key from the database never points elsewhere. */
    private static final Pattern KEY = Pattern.compile("[0-9A-Za-z]{1,64}");
    /**
     * The write buffer per message in flight: the heap a session needs, whatever the message
     * size. Intake hands over 8 KiB at a time; a larger buffer would only be allocated and
     * cleared for every message (it was the largest allocation per message at 64 KiB).
     */
    private static final int BUFFER = 8 * 1024;

    private final Path dir;
    private final boolean fsync;
    /** A file was sealed since the directory was last synced. */
    private final AtomicBoolean dirty = new AtomicBoolean();

    public SpoolFiles(Path dir, boolean fsync) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.fsync = fsync;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Draft create(String queueId) throws IOException {
        Path file = file(queueId);
        return new FileDraft(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(file(key));
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(file(key));
    }

    @Override
    public void sync() throws IOException {
        if (!fsync || !dirty.getAndSet(false)) return;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            dirty.set(true);
            throw e;
        }
    }

    @Override
    public List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) keys.add(f.getFileName().toString());
        }
        return keys;
    }

    private Path file(String key) throws IOException {
        if (!KEY.matcher(key).matches()) throw new IOException("not a spool file name: '" + key + "'");
        return dir.resolve(key);
    }

    private final class FileDraft extends Draft {
        private final Path file;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean done;

        FileDraft(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            size++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            size += len;
        }

        @Override
        public Stored seal() throws IOException {
            out.flush();
            if (fsync) channel.force(true);
            channel.close();
            done = true;
            dirty.set(true);
            return new Stored(file.getFileName().toString(), size);
        }

        @Override
        public void discard() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // deleting it is what matters
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("cannot delete discarded spool file {} (the next start removes it): {}", file, e.toString());
            }
            done = true;
        }

        @Override
        public void close() {
            if (!done) discard();
        }
    }
}
