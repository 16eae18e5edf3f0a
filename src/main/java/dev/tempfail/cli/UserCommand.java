package dev.tempfail.cli;

import dev.tempfail.auth.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code tempfail user add|passwd|delete|list}: the users file of {@code auth.users}, which
 * the running relay rereads at the next login. Exit codes: 0 done, 1 no such user (or it
 * already exists), 2 bad input.
 */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage the users who may log in (SMTP AUTH).")
public final class UserCommand {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user.")
    int add(@Parameters(paramLabel = "NAME") String name, @Mixin PasswordSource password) throws IOException {
        return put(name, password, false);
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Set a user's password.")
    int passwd(@Parameters(paramLabel = "NAME") String name, @Mixin PasswordSource password) throws IOException {
        return put(name, password, true);
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a user.")
    int delete(@Parameters(paramLabel = "NAME") String name) throws IOException {
        Users users = users();
        if (!users.delete(name)) return fail(1, "no user '" + name + "' in " + users.file());
        spec.commandLine().getOut().println("deleted " + name);
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the user names.")
    int list() throws IOException {
        users().names().forEach(spec.commandLine().getOut()::println);
        return 0;
    }

    /** Where the password comes from: the terminal (asked twice), or the first line of standard input. */
    static final class PasswordSource {
        @Option(names = "--password-stdin", description = "read the password from the first line of standard input (for scripts)")
        boolean stdin;
    }

    private int put(String name, PasswordSource source, boolean mustExist) throws IOException {
        try {
            Users.problem(name);
        } catch (IllegalArgumentException e) {
            return fail(2, e.getMessage());
        }
        char[] password = source.stdin ? fromStdin() : fromTerminal();
        if (password == null) return 2; // the reason is printed
        try {
            if (password.length == 0) return fail(2, "the password is empty");
            Users users = users();
            if (!users.put(name, password, mustExist)) {
                return fail(1, mustExist ? "no user '" + name + "' in " + users.file() : "user '" + name + "' already exists (use user passwd)");
            }
            spec.commandLine().getOut().println((mustExist ? "password changed for " : "added ") + name + " in " + users.file());
            return 0;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Users users() {
        return new Users(config.load().auth().users());
    }

    private char[] fromStdin() throws IOException {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            fail(2, "--password-stdin: nothing on standard input");
            return null;
        }
        return line.toCharArray();
    }

    private char[] fromTerminal() {
        Console console = System.console();
        if (console == null) {
            fail(2, "no terminal to ask for the password: use --password-stdin");
            return null;
        }
        char[] first = console.readPassword("Password: ");
        char[] again = console.readPassword("Again: ");
        if (first == null || !Arrays.equals(first, again)) {
            fail(2, "the passwords do not match");
            return null;
        }
        return first;
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("tempfail: " + message);
        return code;
    }
}
