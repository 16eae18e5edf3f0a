package dev.tempfail.queue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The free space on the queue's filesystem against {@code queue.min_free}, as Postfix's
 * {@code queue_minfree}: new mail is refused while taking it would leave less than that, so the
 * disk never fills under the queue (whose metadata must always be writable to record
 * deliveries) and intake resumes by itself once space comes back.
 */
public final class FreeSpace {
    /** No check (tests of other things). */
    public static final FreeSpace UNCHECKED = new FreeSpace(null, 0);

    private final FileStore store;
    private final long minFree;

    private FreeSpace(FileStore store, long minFree) {
        this.store = store;
        this.minFree = minFree;
    }

    public static FreeSpace of(Path dir, long minFree) throws IOException {
        return new FreeSpace(Files.getFileStore(dir), minFree);
    }

    /** Whether a message of {@code size} bytes (0 = not announced) still leaves {@code queue.min_free}. */
    public boolean hasRoomFor(long size) {
        if (store == null) return true;
        try {
            return store.getUsableSpace() - size >= minFree; // one statvfs(2): cheap enough for every MAIL
        } catch (IOException e) {
            return false; // a filesystem we cannot even ask is no place for new mail
        }
    }
}
