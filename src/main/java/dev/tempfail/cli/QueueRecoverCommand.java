package dev.tempfail.cli;

import dev.tempfail.config.TempfailConfig;
import dev.tempfail.queue.QueueRecovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code tempfail queue recover}: salvage a damaged queue database into a fresh one (the relay stopped). */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Salvage what can be read of a damaged queue database into a fresh one, with H2's recovery tool.",
                "Stop the relay first. The damaged file is kept beside the new one; spool files are kept, and those",
                "no salvaged message names are moved to queue.dir/unreferenced."})
final class QueueRecoverCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Override
    public Integer call() throws Exception {
        TempfailConfig cfg = config.load();
        PrintWriter out = spec.commandLine().getOut();
        QueueRecovery.Result r = QueueRecovery.recover(cfg.queue().dir());
        out.printf("recovered %d message(s) with %d recipient(s) into a fresh queue in %s%n", r.messages(), r.recipients(),
                cfg.queue().dir().toAbsolutePath().normalize());
        out.printf("the damaged file is kept as %s, the salvaged SQL as %s%n", r.damagedFile(), r.script());
        if (r.unreferencedBodies() > 0) {
            out.printf("%d message body file(s) that no salvaged message names were moved to %s (their envelopes were lost)%n",
                    r.unreferencedBodies(), cfg.queue().dir().toAbsolutePath().normalize().resolve("unreferenced"));
        }
        return 0;
    }
}
