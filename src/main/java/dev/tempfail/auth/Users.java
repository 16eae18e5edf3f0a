package dev.tempfail.auth;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users file: {@code name:hash} lines, {@code #} comments and blank lines ignored. The
 * running relay rereads it when it changes, so {@code tempfail user add} takes effect at the
 * next login without a restart. A missing file means no users.
 */
public final class Users {
    /** bcrypt's work factor: about 50-100 ms per check on a 2020s core, once per login. */
    static final int COST = 10;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked when the user does not exist, so that a wrong name costs as long as a wrong password. */
    private static final String DUMMY = hash("not a password".toCharArray());

    private final Path file;
    private Map<String, String> hashes = Map.of();
    private List<Object> loadedVersion;

    public Users(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** True if {@code name} exists and {@code password} is its password. */
    public boolean check(String name, char[] password) throws IOException {
        String hash = current().get(name);
        boolean ok = OpenBSDBCrypt.checkPassword(hash == null ? DUMMY : hash, password);
        return ok && hash != null;
    }

    /** The user names, in file order. */
    public synchronized List<String> names() throws IOException {
        return List.copyOf(current().keySet());
    }

    /** Adds a user or sets a user's password; returns false if {@code mustExist} and it does not (or the reverse). */
    public synchronized boolean put(String name, char[] password, boolean mustExist) throws IOException {
        problem(name);
        Map<String, String> all = new LinkedHashMap<>(read());
        if (all.containsKey(name) != mustExist) return false;
        all.put(name, hash(password));
        write(all);
        return true;
    }

    /** Removes a user; false if there was none. */
    public synchronized boolean delete(String name) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(read());
        if (all.remove(name) == null) return false;
        write(all);
        return true;
    }

    /** Why {@code name} cannot be a user name: it must be usable in SMTP AUTH and in the file. */
    public static void problem(String name) {
        if (name.isEmpty() || name.length() > 255 || !name.matches("[A-Za-z0-9._@+-]+")) {
            throw new IllegalArgumentException("a user name is 1 to 255 of the letters, digits and . _ @ + -, got '" + name + "'");
        }
    }

    static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, COST);
    }

    private synchronized Map<String, String> current() throws IOException {
        List<Object> version; // a rename over the file changes its inode even within one mtime tick
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            version = java.util.Arrays.asList(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            hashes = Map.of();
            loadedVersion = null;
            return hashes;
        }
        if (!version.equals(loadedVersion)) {
            hashes = read();
            loadedVersion = version;
        }
        return hashes;
    }

    private Map<String, String> read() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            int colon = t.indexOf(':');
            if (colon <= 0 || !t.substring(colon + 1).matches("\\$2[aby]\\$[0-9]{2}\\$.{53}")) {
                throw new IOException(file + ": line " + n + ": not 'name:bcrypt-hash'");
            }
            out.put(t.substring(0, colon), t.substring(colon + 1));
        }
        return out;
    }

    /** Writes a new file beside the old one and renames it over, so a reader never sees half a file. */
    private void write(Map<String, String> all) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".users", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            List<String> lines = new ArrayList<>();
            lines.add("# tempfail users: name:bcrypt-hash (tempfail user add|passwd|delete; htpasswd -B writes the same)");
            all.forEach((name, hash) -> lines.add(name + ":" + hash));
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
