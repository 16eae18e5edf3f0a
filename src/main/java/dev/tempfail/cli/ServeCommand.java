package dev.tempfail.cli;

import dev.tempfail.Relay;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.lab.TimeScaledClock;
import dev.tempfail.maillog.LogSetup;
import dev.tempfail.smtp.SmtpTimeouts;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tempfail serve}: run the relay until stopped. SIGTERM and SIGINT stop it cleanly
 * ({@link Relay#close}, within {@code shutdown_grace}) and it exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the relay: SMTP listener, queue, admin API.")
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--time-scale", paramLabel = "N", defaultValue = "1",
            description = {"lab mode: run the relay's clock N times fast from now (retry waits, lifetime, delay warnings),",
                    "so a 72 h retry window takes 72 h / N; socket timeouts stay real. Default ${DEFAULT-VALUE} (real time)."})
    double timeScale;

    @Override
    public Integer call() throws Exception {
        if (!(timeScale >= 1 && timeScale <= TimeScaledClock.MAX_SCALE)) {
            spec.commandLine().getErr().println("tempfail: --time-scale must be between 1 and " + (long) TimeScaledClock.MAX_SCALE);
            return 2;
        }
        TempfailConfig settings = config.load();
        LogSetup.apply(settings.log());
        Relay relay;
        if (timeScale == 1) {
            relay = Relay.start(settings, Clock.systemUTC());
        } else {
            LoggerFactory.getLogger("tempfail/master").warn("lab mode: the clock runs {}x from now; do not use this queue for real mail",
                    TimeScaledClock.format(timeScale));
            relay = Relay.start(settings, TimeScaledClock.startingNow(timeScale), timeScale, SmtpTimeouts.rfc5321());
        }
        // SIGTERM and SIGINT ask for a clean stop; the main thread drains and exits 0. Left to
        // the JVM they would run the shutdown hooks under a 143 exit code and a hard deadline.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> stopRequested.countDown());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close, "shutdown")); // any other exit
        stopRequested.await();
        relay.close();
        return 0;
    }
}
