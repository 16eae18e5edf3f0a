package dev.tempfail.admin;

import dev.tempfail.config.AdminConfig;
import dev.tempfail.config.ConfigException;
import dev.tempfail.config.HostPort;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin listener's router: routes with named parts, 404/405, the bearer token, open routes. */
class AdminServerTest {
    private static final String TOKEN = "0123456789abcdef0123";
    @TempDir Path dir;

    private static HttpResponse<String> call(int port, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesByMethodAndPathAndChecksTheToken() throws Exception {
        try (AdminServer admin = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), Optional.of(TOKEN)))) {
            admin.routes().get("/api/things/{id}", r -> AdminResponse.ok(Map.of("id", r.param("id"), "q", r.query("q").orElse("-"))));
            admin.routes().post("/api/things/{id}/poke", r -> AdminResponse.ok(Map.of("poked", r.param("id"), "from", r.from())));
            admin.routes().open("GET", "/", r -> AdminResponse.text(200, "text/html", "<p>hi</p>"));
            admin.routes().get("/api/fails", r -> {
                throw new AdminResponse.Failure(400, "bad thing");
            });
            admin.start();
            int port = admin.port();

            HttpResponse<String> ok = call(port, "GET", "/api/things/A1?q=x%20y", TOKEN);
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(Json.MAPPER.readTree("{\"id\":\"A1\",\"q\":\"x y\"}"), Json.MAPPER.readTree(ok.body()));

            HttpResponse<String> noToken = call(port, "GET", "/api/things/A1", null);
            assertEquals(401, noToken.statusCode());
            assertTrue(noToken.body().contains("admin.token"), noToken.body());
            assertEquals(401, call(port, "GET", "/api/things/A1", TOKEN + "x").statusCode());

            HttpResponse<String> wrongMethod = call(port, "GET", "/api/things/A1/poke", TOKEN);
            assertEquals(405, wrongMethod.statusCode());
            assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
            HttpResponse<String> poked = call(port, "POST", "/api/things/A1/poke", TOKEN);
            assertEquals(200, poked.statusCode());
            assertTrue(poked.body().contains("\"from\":\"http 127.0.0.1:"), poked.body());

            assertEquals(404, call(port, "GET", "/api/nothing", TOKEN).statusCode());
            HttpResponse<String> failed = call(port, "GET", "/api/fails", TOKEN);
            assertEquals(400, failed.statusCode());
            assertEquals("{\"error\":\"bad thing\"}", failed.body().strip());
            assertEquals(200, call(port, "GET", "/", null).statusCode(), "open routes need no token");
        }
    }

    @Test
    void aNonLoopbackListenerNeedsAToken() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TestRelays.config(dir, Map.of("TEMPFAIL_ADMIN_LISTEN", "0.0.0.0:8025")));
        assertTrue(e.getMessage().contains("admin.listen") && e.getMessage().contains("admin.token"), e.getMessage());
        assertEquals(Optional.of(TOKEN), TestRelays.config(dir, Map.of("TEMPFAIL_ADMIN_LISTEN", "0.0.0.0:8025",
                "TEMPFAIL_ADMIN_TOKEN", TOKEN)).admin().token());
        assertThrows(ConfigException.class, () -> TestRelays.config(dir, Map.of("TEMPFAIL_ADMIN_TOKEN", "short")));
    }

    @Test
    void aListingLimitIsCheckedNotCut() {
        assertEquals(null, QueueApi.limitProblem("5"));
        assertTrue(QueueApi.limitProblem("-1").contains("at least 1"));
        assertTrue(QueueApi.limitProblem("12345678").contains("at most 100000"));
        assertTrue(QueueApi.limitProblem("ten").contains("a number"));
    }
}
