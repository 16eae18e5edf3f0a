package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.admin.Json;
import dev.tempfail.queue.QueueView;
import dev.tempfail.testsupport.Cli;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestRelays;
import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The submission listener and AUTH with real clients over real TLS: Jakarta Mail and Python's
 * smtplib as applications configure them, users made with {@code tempfail user add}.
 */
class SubmissionTest {
    @TempDir Path dir;
    @AutoClose private Relay relay;
    private Path users;
    private Path configFile;

    @BeforeEach
    void start() throws Exception {
        users = dir.resolve("users");
        configFile = dir.resolve("tempfail.yaml");
        Files.writeString(configFile, "auth:\n  users: " + users + "\n");
        Cli added = userCli("s3cret-Pass", "user", "add", "app1", "--password-stdin");
        assertEquals(0, added.exitCode(), added.err());
        relay = Relay.start(TestRelays.config(dir.resolve("q"), Map.of(
                "TEMPFAIL_SUBMISSION_LISTEN", "127.0.0.1:0",
                "TEMPFAIL_SMTP_NETWORKS", "10.0.0.0/8", // loopback is not trusted here: only AUTH lets a client relay
                "TEMPFAIL_AUTH_USERS", users.toString(),
                "TEMPFAIL_AUTH_SENDERS", "{limited: ['*@limited.example']}",
                "TEMPFAIL_AUTH_RECEIVED_HEADER", "true",
                "TEMPFAIL_AUTH_MAX_FAILURES", "3",
                "TEMPFAIL_AUTH_FAILURE_DELAY", "0")), Clock.systemUTC());
    }

    /** Runs the CLI with {@code stdin} as standard input and this test's config file. */
    private Cli userCli(String stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream((stdin + "\n").getBytes(StandardCharsets.UTF_8)));
        try {
            String[] all = new String[args.length + 2];
            all[0] = args[0];
            all[1] = "--config";
            all[2] = configFile.toString();
            System.arraycopy(args, 1, all, 3, args.length - 1);
            return Cli.run(all);
        } finally {
            System.setIn(saved);
        }
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private QueueView.Message onlyMessage() throws Exception {
        QueueView.Listing listing = relay.reader().list(10);
        assertEquals(1, listing.total());
        return relay.reader().show(listing.messages().get(0).queueId()).orElseThrow();
    }

    @Test
    void jakartaMailSubmitsWithStartTlsAndLogin() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(relay.submissionPort()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "127.0.0.1"); // the relay's self-signed certificate
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p, new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication("app1", "s3cret-Pass");
            }
        });
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("app@app1.example"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("someone@example.com"));
        m.setSubject("from Jakarta Mail");
        m.setText("hello");
        Transport.send(m);

        QueueView.Message stored = onlyMessage();
        assertEquals("app1", stored.authUser());
        String content = new String(StoredBodies.read(relay.database(), stored.queueId()), StandardCharsets.UTF_8);
        assertTrue(content.contains("\t(Authenticated sender: app1)\r\n"), content);
        assertTrue(content.contains(" with ESMTPSA id "), content);
        assertEquals("app1", Json.MAPPER.valueToTree(stored).path("auth_user").asText(), "queue show --json");
    }

    @Test
    void pythonSmtplibSubmitsWithStartTlsAndLogin() throws Exception {
        assumeTrue(python3(), "python3 is not installed: smtplib client test skipped");
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "ctx = ssl.create_default_context()",
                "ctx.check_hostname = False",
                "ctx.verify_mode = ssl.CERT_NONE",
                "s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)",
                "s.starttls(context=ctx)",
                "s.login('app1', 's3cret-Pass')",
                "s.sendmail('app@app1.example', ['someone@example.com'], 'Subject: from smtplib\\r\\n\\r\\nhello\\r\\n')",
                "s.quit()");
        Process py = new ProcessBuilder("python3", "-c", script, String.valueOf(relay.submissionPort()))
                .redirectErrorStream(true).start();
        String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(py.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, py.exitValue(), out);
        assertEquals("app1", onlyMessage().authUser());
    }

    @Test
    void submissionRefusesMailBeforeTlsAndAuthAndAuthBeforeTls() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            String ehlo = c.greet("app.test");
            assertTrue(ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"), ehlo);
            assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                    c.command("AUTH PLAIN " + plain("app1", "s3cret-Pass")));
            assertEquals("530 5.7.0 Must issue a STARTTLS command first", c.command("MAIL FROM:<app@app1.example>"));
            String secured = c.upgrade();
            assertTrue(secured.contains("250-AUTH PLAIN LOGIN"), secured);
            assertEquals("530 5.7.0 Authentication required", c.command("MAIL FROM:<app@app1.example>"));
            // AUTH LOGIN, step by step
            assertEquals("334 VXNlcm5hbWU6", c.command("AUTH LOGIN"));
            assertEquals("334 UGFzc3dvcmQ6", c.command(Base64.getEncoder().encodeToString("app1".getBytes(StandardCharsets.UTF_8))));
            assertEquals("235 2.7.0 Authentication successful",
                    c.command(Base64.getEncoder().encodeToString("s3cret-Pass".getBytes(StandardCharsets.UTF_8))));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<app@app1.example>"));
        }
    }

    @Test
    void wrongPasswordsAreRefusedThenTheAddressIsLockedOut() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            c.greet("app.test");
            c.upgrade();
            for (int i = 0; i < 3; i++) {
                assertEquals("535 5.7.8 Error: authentication failed", c.command("AUTH PLAIN " + plain("app1", "wrong" + i)));
            }
            assertEquals("454 4.7.0 Too many failed authentication attempts, try again later",
                    c.command("AUTH PLAIN " + plain("nobody", "x")));
        }
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            c.greet("app.test");
            c.upgrade();
            assertEquals("454 4.7.0 Too many failed authentication attempts, try again later",
                    c.command("AUTH PLAIN " + plain("app1", "s3cret-Pass")), "even the right password, while locked out");
        }
        // another address is not locked out
        try (SmtpTestClient c = SmtpTestClient.connect("127.0.0.2", relay.submissionPort())) {
            c.greet("app.test");
            c.upgrade();
            assertEquals("235 2.7.0 Authentication successful", c.command("AUTH PLAIN " + plain("app1", "s3cret-Pass")));
        }
    }

    @Test
    void relayListenerRefusesOutsidersWithoutAuthAndRelaysForUsers() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.reply();
            assertTrue(!c.command("EHLO app.test").contains("AUTH"));
            assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                    c.command("AUTH PLAIN " + plain("app1", "s3cret-Pass")));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<app@app1.example>"));
            assertEquals("554 5.7.1 <someone@example.com>: Relay access denied", c.command("RCPT TO:<someone@example.com>"));
            c.command("RSET");
            c.upgrade();
            assertEquals("235 2.7.0 Authentication successful", c.command("AUTH PLAIN " + plain("app1", "s3cret-Pass")));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<app@app1.example>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<someone@example.com>"));
        }
    }

    @Test
    void addedUserLogsInDeletedUserCannotAndSendersAreChecked() throws Exception {
        assertEquals(0, userCli("other-Pass", "user", "add", "limited", "--password-stdin").exitCode());
        assertEquals(1, userCli("x", "user", "add", "limited", "--password-stdin").exitCode(), "exists already");
        Cli list = userCli("", "user", "list");
        assertEquals(List.of("app1", "limited"), List.of(list.out().strip().split("\n")));
        assertTrue(!Files.readString(users).contains("other-Pass"), "no password in clear text");
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            c.greet("app.test");
            c.upgrade();
            assertEquals("235 2.7.0 Authentication successful", c.command("AUTH PLAIN " + plain("limited", "other-Pass")));
            assertEquals("553 5.7.1 <boss@elsewhere.example>: Sender address rejected: not owned by user limited",
                    c.command("MAIL FROM:<boss@elsewhere.example>"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<app@limited.example>"));
        }
        assertEquals(0, userCli("", "user", "delete", "limited").exitCode());
        assertEquals(1, userCli("", "user", "delete", "limited").exitCode());
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            c.greet("app.test");
            c.upgrade();
            assertEquals("535 5.7.8 Error: authentication failed", c.command("AUTH PLAIN " + plain("limited", "other-Pass")));
        }
    }

    private static boolean python3() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
