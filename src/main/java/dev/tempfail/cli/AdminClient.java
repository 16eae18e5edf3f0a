package dev.tempfail.cli;

import dev.tempfail.admin.Routes;
import dev.tempfail.admin.QueueApi;
import dev.tempfail.admin.Json;
import dev.tempfail.admin.Dashboard;
import dev.tempfail.admin.AdminResponse;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.delivery.DeliveryService;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.OperatorActions;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.Wakeup;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;

/**
 * How the {@code queue} and {@code destination} commands reach the queue: through the running
 * relay's admin API, or, when no relay answers there, by running the same endpoints
 * ({@link Routes}) in this process on the queue database, after saying so on stderr. Either way
 * the answer is the same JSON, and an action is recorded with where it came from.
 */
final class AdminClient {
    static final String USER_AGENT = "tempfail-cli";

    private AdminClient() {}

    /** An answer: its HTTP status and bytes. */
    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** The {@code error} of an error answer. */
        String error() {
            try {
                return Json.MAPPER.readTree(body).path("error").asText(text());
            } catch (IOException e) {
                return text();
            }
        }
    }

    static Answer call(TempfailConfig cfg, String method, String pathAndQuery, String jsonBody, PrintWriter err)
            throws Exception {
        URI uri = URI.create("http://" + cfg.admin().listen() + pathAndQuery);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("User-Agent", USER_AGENT)
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) request.header("Content-Type", "application/json");
        cfg.admin().token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<byte[]> r = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body());
        } catch (ConnectException e) {
            return local(cfg, method, pathAndQuery, jsonBody, err);
        }
    }

    private static Answer local(TempfailConfig cfg, String method, String pathAndQuery, String jsonBody, PrintWriter err)
            throws Exception {
        if (!cfg.queue().postgresql() && !Files.exists(cfg.queue().dir().resolve("tempfail.mv.db"))) {
            throw new IOException("no relay answers at " + cfg.admin().listen() + " and there is no queue at " + cfg.queue().dir());
        }
        err.println("tempfail: no relay answers at " + cfg.admin().listen() + "; "
                + (method.equals("GET") ? "reading" : "acting on") + " the queue in " + cfg.queue().describe() + " directly"
                + (method.equals("GET") ? "" : " (a relay started later goes on from there)"));
        Clock clock = Clock.systemUTC();
        try (Database db = Database.open(cfg.queue(), 4)) {
            Routes routes = new Routes();
            QueueReader reader = new QueueReader(db, cfg.retry());
            MailLog mailLog = MailLog.unmetered();
            new QueueApi(reader, new OperatorActions(db, new Wakeup(), cfg.queue().keepBodies()), new Destinations(db, cfg.retry().capRelease()),
                    DeliveryService.operatorReports(cfg, db, clock, mailLog), mailLog, clock).register(routes);
            Dashboard.register(routes, reader);
            int q = pathAndQuery.indexOf('?');
            String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
            String query = q < 0 ? null : pathAndQuery.substring(q + 1);
            AdminResponse r = routes.dispatch(method, path, query,
                    jsonBody == null ? new byte[0] : jsonBody.getBytes(java.nio.charset.StandardCharsets.UTF_8), localOrigin(), true);
            return new Answer(r.status(), r.body());
        }
    }

    /** Who acted, for the history, when the command worked on the database itself. */
    private static String localOrigin() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return "cli " + System.getProperty("user.name") + "@" + host + " pid " + ProcessHandle.current().pid() + " (no relay running)";
    }
}
