package dev.tempfail.cli;

import dev.tempfail.admin.Json;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.sun.net.httpserver.HttpServer;
import dev.tempfail.config.HostPort;
import dev.tempfail.config.Settings;
import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.lab.LabReceiver;
import dev.tempfail.lab.LabReport;
import dev.tempfail.lab.LabRun;
import dev.tempfail.lab.LabScript;
import dev.tempfail.lab.ReceiverLog;
import dev.tempfail.lab.TimeScaledClock;
import dev.tempfail.smtp.SmtpTimeouts;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tempfail lab receiver|run}: the retry lab. A fake receiving MTA that answers by
 * script, and a one-command rehearsal of a relay against it on a fast clock.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Rehearse retry behaviour: a scripted fake receiving MTA, and a relay run against it on a fast clock.",
                "Presets: " + "icloud-reputation, icloud-volume, top-of-hour, greylist, rate-limit-2h, over-quota, user-unknown, dmarc-reject."},
        subcommands = {LabCommand.Receiver.class, LabCommand.Run.class})
public final class LabCommand extends CommandGroup {
    @Command(name = "receiver", mixinStandardHelpOptions = true,
            description = {"Run a fake receiving MTA that answers as SCRIPT says, until stopped (SIGTERM/SIGINT).",
                    "Prints every command and reply; keeps what it accepted (see --store, --http)."})
    static final class Receiver implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2526",
                description = "where to listen (default ${DEFAULT-VALUE})")
        String listen;

        @Option(names = "--script", paramLabel = "PRESET|FILE", required = true, description = "a preset's name or a script file")
        String script;

        @Option(names = "--time-scale", paramLabel = "N", defaultValue = "1",
                description = "run the receiver's clock N times fast (greylist windows, rate limits, minutes of the hour); default ${DEFAULT-VALUE}")
        double timeScale;

        @Option(names = "--store", paramLabel = "DIR", description = "write each accepted message as DIR/N.eml with its envelope in DIR/N.json")
        Path store;

        @Option(names = "--http", paramLabel = "HOST:PORT",
                description = "serve GET /log (text), /messages (JSON) and /messages/N (the message) there")
        String http;

        @Option(names = "--quiet", description = "do not print the log")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            HostPort where;
            HostPort httpAt = null;
            try {
                where = HostPort.parse(listen, 2526);
                if (http != null) httpAt = HostPort.parse(http, 8026);
            } catch (IllegalArgumentException e) {
                err.println("tempfail: " + e.getMessage());
                return 2;
            }
            if (!(timeScale >= 1 && timeScale <= TimeScaledClock.MAX_SCALE)) {
                err.println("tempfail: --time-scale must be between 1 and " + (long) TimeScaledClock.MAX_SCALE);
                return 2;
            }
            LabScript s = LabScript.load(script);
            ReceiverLog log = new ReceiverLog();
            if (!quiet) log.listen(e -> {
                synchronized (out) {
                    out.println(e);
                    out.flush();
                }
            });
            if (store != null) Files.createDirectories(store);
            TimeScaledClock clock = TimeScaledClock.startingNow(timeScale);
            LabReceiver receiver = LabReceiver.builder().listen(where).script(s, clock).log(log).start();
            if (store != null) receiver.onMessage(m -> save(store, m, err));
            HttpServer server = httpAt == null ? null : serve(httpAt, receiver);
            err.println("lab receiver: script " + s.name() + " on " + where.host() + ":" + receiver.port()
                    + (timeScale == 1 ? "" : ", clock " + TimeScaledClock.format(timeScale) + "x")
                    + (server == null ? "" : ", http://" + httpAt.host() + ":" + server.getAddress().getPort() + "/log"));
            err.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (server != null) server.stop(0);
                receiver.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }

        @JsonPropertyOrder({"number", "at", "client", "helo", "sender", "recipients", "size"})
        record MessageOut(int number, String at, String client, String helo, String sender, List<String> recipients, int size) {
            static MessageOut of(ReceivedMessage m) {
                return new MessageOut(m.number(), m.at().toString(), m.client(), m.helo(), m.sender(), m.recipients(), m.content().length);
            }
        }

        private static void save(Path dir, ReceivedMessage m, PrintWriter err) {
            try {
                Files.write(dir.resolve(m.number() + ".eml"), m.content());
                Files.writeString(dir.resolve(m.number() + ".json"), Json.pretty(MessageOut.of(m)) + "\n");
            } catch (IOException e) {
                err.println("tempfail: cannot store message " + m.number() + ": " + e.getMessage());
            }
        }

        private static HttpServer serve(HostPort at, LabReceiver receiver) throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress(at.host(), at.port()), 16);
            s.createContext("/log", ex -> reply(ex, 200, "text/plain; charset=utf-8", receiver.log().text().getBytes(StandardCharsets.UTF_8)));
            s.createContext("/messages", ex -> {
                String rest = ex.getRequestURI().getPath().substring("/messages".length());
                if (rest.isEmpty() || rest.equals("/")) {
                    byte[] body = (Json.pretty(receiver.messages().stream().map(MessageOut::of).toList()) + "\n").getBytes(StandardCharsets.UTF_8);
                    reply(ex, 200, "application/json", body);
                    return;
                }
                String n = rest.substring(1);
                ReceivedMessage m = n.matches("[0-9]{1,9}") ? receiver.messages().stream()
                        .filter(x -> x.number() == Integer.parseInt(n)).findFirst().orElse(null) : null;
                if (m == null) reply(ex, 404, "text/plain", ("no message " + n + "\n").getBytes(StandardCharsets.UTF_8));
                else reply(ex, 200, "message/rfc822", m.content());
            });
            s.start();
            return s;
        }

        private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String type, byte[] body) throws IOException {
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Start a relay (temporary queue) and a scripted receiver on one fast clock, send test messages",
                    "through the relay, let the clock run until every recipient is final, and report: per recipient the",
                    "attempts and outcome, the DSNs the sender received, totals. Exit 0 unless the relay itself failed",
                    "(bounced mail is an outcome, not an error); 2 for a bad script or option."})
    static final class Run implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;

        @Option(names = "--script", paramLabel = "PRESET|FILE", required = true, description = "a preset's name or a script file")
        String script;

        @Option(names = "--time-scale", paramLabel = "N", defaultValue = "1000",
                description = "run the clock N times fast: at 1000, 72 h take 4.3 min (default ${DEFAULT-VALUE})")
        double timeScale;

        @Option(names = "--messages", paramLabel = "M", defaultValue = "5", description = "test messages to send (default ${DEFAULT-VALUE})")
        int messages;

        @Option(names = "--json", description = "print the report as one JSON object")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "also write the report as a self-contained HTML page with the retry timeline")
        Path html;

        @Option(names = "--log", paramLabel = "FILE", description = "write the receiver's log of every command and reply to FILE")
        Path log;

        @Option(names = "--smtp-timeout", paramLabel = "DURATION",
                description = "the relay's socket timeout at every stage, real time (default: RFC 5321's, 5 min for most)")
        String smtpTimeout;

        @Option(names = "--timeout", paramLabel = "DURATION",
                description = "give up after this much real time (default: 1.5 lifetimes at the time scale, plus 30 s)")
        String timeout;

        @Option(names = "--verbose", description = "show the relay's own log (stderr) and each attempt as it happens")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            if (messages < 1 || messages > 10_000) {
                err.println("tempfail: --messages must be 1 to 10000");
                return 2;
            }
            if (!(timeScale >= 1 && timeScale <= TimeScaledClock.MAX_SCALE)) {
                err.println("tempfail: --time-scale must be between 1 and " + (long) TimeScaledClock.MAX_SCALE);
                return 2;
            }
            SmtpTimeouts timeouts;
            Duration limit;
            try {
                timeouts = smtpTimeout == null ? SmtpTimeouts.rfc5321() : SmtpTimeouts.uniform(Settings.parseDuration(smtpTimeout));
                limit = timeout == null ? null : Settings.parseDuration(timeout);
            } catch (IllegalArgumentException e) {
                err.println("tempfail: " + e.getMessage());
                return 2;
            }
            LabScript s = LabScript.load(script); // a bad script: ConfigException, one line, exit 2
            Level before = quietRelay(!verbose);
            LabReport report;
            ReceiverLog receiverLog = new ReceiverLog();
            try {
                LabRun.Options opts = new LabRun.Options(s, timeScale, messages, config.file, System.getenv(), null, timeouts,
                        limit, verbose ? line -> {
                            synchronized (err) {
                                err.println(line);
                                err.flush();
                            }
                        } : line -> { });
                report = LabRun.run(opts, receiverLog);
            } finally {
                restore(before);
            }
            if (json) out.println(Json.write(report));
            else LabText.print(report, out);
            if (html != null) {
                Files.writeString(html, LabHtml.render(report));
                if (!json) out.println("report page: " + html.toAbsolutePath());
            }
            if (log != null) Files.writeString(log, receiverLog.text());
            if (!report.sound()) {
                for (String p : report.problems()) err.println("tempfail: " + p);
                return 1;
            }
            return 0;
        }

        /** Keeps the relay's INFO lines (one per attempt) off the terminal; returns the level to restore. */
        private static Level quietRelay(boolean quiet) {
            if (!quiet || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return null;
            ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            Level old = root.getLevel();
            root.setLevel(Level.WARN);
            return old;
        }

        private static void restore(Level level) {
            if (level != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
                ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(level);
            }
        }
    }
}
