package dev.tempfail;

import dev.tempfail.admin.ClassifyCommand;
import dev.tempfail.admin.ScheduleCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tempfail} command: one entry point, a subcommand per job. */
@Command(name = "tempfail", mixinStandardHelpOptions = true, version = "tempfail 0.1.0",
        description = "An SMTP relay that takes temporary failures seriously.",
        subcommands = {ClassifyCommand.class, ScheduleCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
