package dev.tempfail.cli;

import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.reply.ReplyRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code tempfail config check|show}: is the configuration valid, and what is in effect (as Postfix's postconf). */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check the configuration and show what is in effect.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
public final class ConfigCommand extends CommandGroup {
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Load the configuration and the reply rules as serve would; exit 0 if they are valid, 2 (with the reason) if not.")
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;

        @Override
        public Integer call() {
            TempfailConfig cfg = config.load();
            ReplyRules.load(cfg.retry());
            spec.commandLine().getOut().println("tempfail: " + (config.file == null ? "the embedded defaults" : config.file)
                    + " is valid (queue " + cfg.queue().dir() + ", smtp " + cfg.smtp().listen() + ", admin " + cfg.admin().listen() + ")");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print every setting in effect as key = value; -n: only those not at their default (postconf -n).")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;
        @Option(names = {"-n", "--changed"}, description = "only the settings a file or the environment changed") boolean changed;

        @Override
        public Integer call() {
            List<ConfigLoader.Setting> settings = ConfigLoader.effective(config.file, System.getenv());
            for (ConfigLoader.Setting s : settings) {
                if (changed && s.source().equals("defaults")) continue;
                String value = s.key().equals("admin.token") && !s.value().equals("null") ? "(set, not shown)" : s.value();
                spec.commandLine().getOut().println(s.key() + " = " + value
                        + (s.source().equals("defaults") ? "" : "    # " + s.source()));
            }
            return 0;
        }
    }
}
