package dev.tempfail.cli;

import dev.tempfail.StartupException;
import dev.tempfail.config.ConfigException;
import dev.tempfail.queue.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tempfail} command: one entry point, a subcommand per job. */
@Command(name = "tempfail", mixinStandardHelpOptions = true, version = "tempfail 0.1.0",
        description = "An SMTP relay that takes temporary failures seriously.",
        subcommands = {ServeCommand.class, QueueCommand.class, DestinationCommand.class, NodeCommand.class,
                ConfigCommand.class, ClassifyCommand.class, ScheduleCommand.class, LabCommand.class, UserCommand.class})
public final class Main extends CommandGroup {
    /** Exit code for a configuration error (as for a usage error). */
    public static final int CONFIG_ERROR = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with tempfail's error handling: a bad config is one line on stderr, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println("tempfail: " + e.getMessage());
                return CONFIG_ERROR;
            }
            if (e instanceof Database.QueueUnavailableException || e instanceof StartupException
                    || e instanceof java.io.IOException) {
                commandLine.getErr().println("tempfail: " + e.getMessage());
                return 1;
            }
            commandLine.getErr().println("tempfail: " + e);
            return 1;
        });
        return cli;
    }
}
