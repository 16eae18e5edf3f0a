package dev.tempfail.admin;

import dev.tempfail.Relay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tempfail serve}: run the relay until stopped (SIGTERM/SIGINT stop it cleanly). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the relay: SMTP listener, queue, admin API.")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        Relay relay = Relay.start(config.load(), Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
