package dev.tempfail.admin;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard as an operator uses it, in headless Chromium (Debian's chromium and
 * chromium-driver, driven by Selenium through the system's chromedriver): a relay with deferred
 * mail, the page finds the message, draws its retry timeline, and the Hold button holds it.
 * Screenshots go to target/dashboard-*.png.
 */
class DashboardBrowserTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    @TempDir Path dir;

    @Test
    void theTimelineIsDrawnAndHoldChangesTheState() throws Exception {
        Assumptions.assumeTrue(CHROMIUM.canExecute() && DRIVER.canExecute(),
                "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver): dashboard not tested");
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (FakeUpstream up = FakeUpstream.builder()
                .rcptReply("alice@example.com", "451 4.7.1 Greylisted, try again later")
                .rcptReply("bob@example.com", "452 4.2.2 Mailbox full").start();
             Relay relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                     "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}")), clock, TestRelays.FAST)) {
            String id;
            try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
                String reply = c.sendMail("app@sender.example", List.of("alice@example.com", "bob@example.com"),
                        "Subject: invoice 42\r\n\r\nhello\r\n");
                id = SmtpTestClient.queueId(reply);
            }
            Await.until(Duration.ofSeconds(30), "deferred", () -> relay.reader().show(id).orElseThrow().recipients().stream()
                    .allMatch(r -> r.state().equals("deferred")));

            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1100", "--no-first-run", "--disable-extensions");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build();
            WebDriver browser = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                browser.get("http://127.0.0.1:" + relay.adminPort() + "/");
                WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector("#messages tbody tr[data-id='" + id + "']")));
                assertTrue(row.getText().contains("invoice 42") && row.getText().contains("alice@example.com"), row.getText());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("by-state"), "deferred: 2"));

                browser.findElement(By.id("search")).sendKeys("invoice");
                browser.findElement(By.cssSelector("#search-form button")).click();
                click(wait, By.cssSelector("#messages tbody tr[data-id='" + id + "']"));
                wait.until(ExpectedConditions.urlContains("#id=" + id));
                // the timeline the lab report draws: a row per recipient, a mark per attempt, the next try hollow
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#timeline svg circle.attempt.deferred"), 2));
                assertEquals(2, browser.findElements(By.cssSelector("#timeline svg circle.attempt.planned")).size());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "Greylisted"));
                assertTrue(browser.findElement(By.id("history")).getText().contains("mailbox_full"));
                assertTrue(browser.findElement(By.id("detail-state")).getText().contains("deferred"));
                screenshot(browser, "dashboard-deferred.png");

                browser.findElement(By.cssSelector("button[data-action='hold']")).click();
                wait.until(ExpectedConditions.textToBe(By.id("detail-state"), "held"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "operator: hold"));
                assertTrue(relay.reader().show(id).orElseThrow().recipients().stream().allMatch(r -> r.state().equals("held")),
                        "the relay holds it");
                screenshot(browser, "dashboard-held.png");
            } finally {
                browser.quit();
            }
        }
    }

    /** Clicks what the page may redraw at any moment (it refreshes itself): again if it was replaced meanwhile. */
    private static void click(WebDriverWait wait, By what) {
        wait.ignoring(StaleElementReferenceException.class).until(d -> {
            d.findElement(what).click();
            return true;
        });
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }
}
