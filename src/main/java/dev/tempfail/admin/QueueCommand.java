package dev.tempfail.admin;

import dev.tempfail.config.TempfailConfig;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code tempfail queue list|show}: asks the running relay over its admin API; when no relay
 * runs, reads the queue database directly. Either way the JSON is the same.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "See the queue.",
        subcommands = {QueueCommand.List.class, QueueCommand.Show.class, QueueRecoverCommand.class})
public final class QueueCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the messages in the queue, oldest first.")
    static final class List implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;
        @Option(names = "--limit", defaultValue = "1000", description = "at most this many messages (default ${DEFAULT-VALUE}, at most 100000)") String limit;

        @Override
        public Integer call() throws Exception {
            String problem = QueueApi.limitProblem(limit);
            if (problem != null) {
                spec.commandLine().getErr().println("tempfail: --" + problem);
                return 2;
            }
            TempfailConfig cfg = config.load();
            Optional<String> remote = fetch(cfg, "/api/queue?limit=" + limit);
            QueueView.Listing listing = remote.isPresent()
                    ? Json.MAPPER.readValue(remote.get(), QueueView.Listing.class)
                    : readLocal(cfg, reader -> reader.list(Integer.parseInt(limit)));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.pretty(listing));
            } else {
                QueueText.print(listing, out);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one message and each recipient's state.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;
        @Parameters(paramLabel = "QUEUE_ID") String queueId;

        @Override
        public Integer call() throws Exception {
            TempfailConfig cfg = config.load();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!queueId.matches("[0-9A-Z]{1,32}")) {
                err.println("tempfail: '" + queueId + "' is not a queue id");
                return 2;
            }
            Optional<QueueView.Message> message;
            try {
                Optional<String> remote = fetch(cfg, "/api/queue/" + queueId);
                message = remote.isPresent()
                        ? Optional.of(Json.MAPPER.readValue(remote.get(), QueueView.Message.class))
                        : readLocal(cfg, reader -> reader.show(queueId));
            } catch (NotFound e) {
                message = Optional.empty();
            }
            if (message.isEmpty()) {
                err.println("tempfail: no message " + queueId + " in the queue");
                return 1;
            }
            if (json) out.println(Json.pretty(message.get()));
            else QueueText.print(message.get(), out);
            return 0;
        }
    }

    private static final class NotFound extends IOException {
        NotFound() { super("not found"); }
    }

    /** The admin API's answer, or empty when no relay listens there. */
    private static Optional<String> fetch(TempfailConfig cfg, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + cfg.admin().listen() + path);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
            cfg.admin().token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<String> r = client.send(request.build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) throw new NotFound();
            if (r.statusCode() != 200) throw new IOException("admin API " + uri + " answered " + r.statusCode() + ": " + r.body());
            return Optional.of(r.body());
        } catch (ConnectException e) {
            return Optional.empty();
        }
    }

    private interface Read<T> {
        T from(QueueReader reader) throws Exception;
    }

    private static <T> T readLocal(TempfailConfig cfg, Read<T> read) throws Exception {
        if (!Files.exists(cfg.queue().dir().resolve("tempfail.mv.db"))) {
            throw new IOException("no relay answers at " + cfg.admin().listen() + " and there is no queue at " + cfg.queue().dir());
        }
        try (Database db = Database.open(cfg.queue().dir(), 2)) {
            return read.from(new QueueReader(db, java.time.Clock.systemUTC(), cfg.retry().capRelease()));
        }
    }
}
