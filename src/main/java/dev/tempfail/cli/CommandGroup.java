package dev.tempfail.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only holds subcommands: given none, it prints its usage (as {@code git remote} lists its verbs). */
abstract class CommandGroup implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
