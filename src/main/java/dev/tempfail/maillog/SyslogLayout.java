package dev.tempfail.maillog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code log.format: text}: the line a syslog daemon writes for Postfix, which is what pflogsumm
 * and other Postfix tools parse:
 * {@code Dec  1 10:00:00 host tempfail/smtp[4242]: 3Kx9QID: to=<…>, relay=…, status=sent (…)}.
 * Warnings and errors get Postfix's {@code warning:} and {@code error:} prefixes. Run pflogsumm
 * with {@code --syslog-name=tempfail}.
 */
public final class SyslogLayout extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);
    static final String HOST = hostName();
    static final long PID = ProcessHandle.current().pid();

    private ZoneId zone = ZoneId.systemDefault();

    /** For tests: the time zone of the time stamps (syslog writes local time). */
    void setZone(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append(STAMP.format(Instant.ofEpochMilli(e.getTimeStamp()).atZone(zone))).append(' ').append(HOST).append(' ')
                .append(program(e.getLoggerName())).append('[').append(PID).append("]: ");
        if (e.getLevel().isGreaterOrEqual(Level.ERROR)) b.append("error: ");
        else if (e.getLevel() == Level.WARN) b.append("warning: ");
        b.append(e.getFormattedMessage().replace('\n', ' ').replace('\r', ' ')).append(CoreConstants.LINE_SEPARATOR);
        if (e.getThrowableProxy() != null) b.append(ThrowableProxyUtil.asString(e.getThrowableProxy()))
                .append(CoreConstants.LINE_SEPARATOR);
        return b.toString();
    }

    /**
     * The program tag: the mail log's loggers are named by stage ({@code tempfail/smtpd}); any
     * other logger becomes {@code tempfail/<its short name>} ({@code dev.tempfail.route.Router}
     * → {@code tempfail/router}), so every line has the shape the tools expect.
     */
    static String program(String logger) {
        if (logger.startsWith("tempfail/")) return logger;
        String shortName = logger.substring(logger.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return "tempfail/" + (shortName.isEmpty() || shortName.equals("tempfail") ? "master" : shortName);
    }

    /** The machine's host name as syslog writes it (first label), without a DNS lookup. */
    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (Exception | Error e) {
                name = "localhost";
            }
        }
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name.isBlank() ? "localhost" : name;
    }
}
