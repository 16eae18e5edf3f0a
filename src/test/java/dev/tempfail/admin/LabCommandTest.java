package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.testsupport.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabCommandTest {
    @TempDir Path dir;

    @Test
    void labRunPrintsOneJsonObjectAndExitsZeroWhenMailBounces() throws Exception {
        Cli r = Cli.run("lab", "run", "--script", "user-unknown", "--time-scale", "1000", "--messages", "2", "--json").ok();
        JsonNode report = Json.MAPPER.readTree(r.out());
        assertEquals(2, report.get("recipients").size());
        JsonNode first = report.get("recipients").get(0);
        assertEquals("user1@lab.example", first.get("address").asText());
        assertEquals("failed", first.get("outcome").asText());
        JsonNode attempt = first.get("attempts").get(0);
        assertTrue(attempt.get("reply").asText().startsWith("550 5.1.1"));
        assertEquals("permanent", attempt.get("verdict").asText());
        assertTrue(attempt.has("at"));
        assertTrue(report.get("dsns").isArray());
        assertEquals(2, report.get("totals").get("failed").asInt());
        assertEquals(0, report.get("totals").get("delivered").asInt());
        assertEquals(0, report.get("totals").get("expired").asInt());
        assertEquals(0, report.get("problems").size());
    }

    @Test
    void labRunTextReportAndItsPage() throws Exception {
        Path page = dir.resolve("report.html");
        Path log = dir.resolve("receiver.log");
        Path script = dir.resolve("mine.yaml");
        Files.writeString(script, """
                description: bob is unknown, everyone else is greylisted
                recipients: [bob@lab.example, ann@lab.example]
                rules:
                  - {name: bob, address: bob@lab.example, rcpt: "550 5.1.1 no such user"}
                  - {name: grey, rcpt: {greylist: 5m}}
                """);
        Cli r = Cli.run("lab", "run", "--script", script.toString(), "--time-scale", "1000", "--messages", "2",
                "--html", page.toString(), "--log", log.toString()).ok();
        assertTrue(r.out().startsWith("tempfail lab run: mine (bob is unknown, everyone else is greylisted)"), r.out());
        assertTrue(r.out().contains("bob@lab.example  failed 5.1.1 after 1 attempt"), r.out());
        assertTrue(r.out().contains("ann@lab.example  delivered 2.0.0 after 2 attempts"), r.out());
        assertTrue(r.out().contains("totals: 1 delivered, 1 failed, 0 expired; 3 attempts, 2.0 per delivery"), r.out());
        String html = Files.readString(page);
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<svg"), "a page with its chart inline");
        assertFalse(html.contains("http://") && html.contains("src="), "nothing fetched");
        assertFalse(html.contains("<script"), "no script");
        assertTrue(Files.readString(log).contains("> RCPT TO:<bob@lab.example>"));
    }

    @Test
    void aBadScriptIsOneLineAndExitCode2() throws Exception {
        Path script = dir.resolve("bad.yaml");
        Files.writeString(script, "rules:\n  - name: quota\n    rcpt: {greylist: 5m, rate_limit: 2/h}\n");
        Cli r = Cli.run("lab", "run", "--script", script.toString(), "--messages", "1");
        assertEquals(2, r.exitCode());
        assertEquals("tempfail: " + script + ": rule 'quota': rcpt: give one of replies, greylist, rate_limit, max_connections, "
                + "minutes, not greylist and rate_limit\n", r.err());
        Cli unknown = Cli.run("lab", "receiver", "--script", "no-such-preset");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().startsWith("tempfail: no-such-preset: no such preset or file"), unknown.err());
        assertEquals(2, Cli.run("lab", "run", "--script", "greylist", "--time-scale", "0.5").exitCode());
        assertEquals(2, Cli.run("serve", "--time-scale", "0").exitCode());
    }

    /** The report page as a person sees it: rendered by headless Chromium (Debian's chromium package). */
    @Test
    void theReportPageRendersInHeadlessChromium() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute(),
                "chromium is not installed (apt-get install chromium): the page was not rendered");
        Path page = dir.resolve("page.html");
        Cli r = Cli.run("lab", "run", "--script", "greylist", "--time-scale", "1000", "--messages", "3", "--html", page.toString()).ok();
        Path png = dir.resolve("page.png");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("profile")), "--screenshot=" + png, "--window-size=1200,800",
                page.toUri().toString()).redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        assertTrue(Files.exists(png), Files.readString(dir.resolve("chromium.log")));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1200, img.getWidth());
        int green = 0, orange = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (near(rgb, 0x1b7f3b)) green++;
                if (near(rgb, 0xef8a00)) orange++;
            }
        }
        assertTrue(green > 50, "delivered marks drawn: " + green);
        assertTrue(orange > 50, "deferred marks drawn: " + orange);
    }

    private static boolean near(int rgb, int target) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((rgb >> shift) & 0xff) - ((target >> shift) & 0xff)) > 12) return false;
        }
        return true;
    }
}
