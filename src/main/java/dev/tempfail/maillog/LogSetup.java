package dev.tempfail.maillog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.tempfail.config.LogConfig;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log.file}, {@code log.level} and {@code log.format} to Logback for the whole
 * process ({@code serve} calls it once at start). Without it the bundled {@code logback.xml}
 * writes the text format to standard error at INFO.
 */
public final class LogSetup {
    private LogSetup() {}

    public static void apply(LogConfig config) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
        LayoutBase<ILoggingEvent> layout = config.format().equals("json") ? new JsonLayout() : new SyslogLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender;
        if (config.file().isPresent()) {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(config.file().get().toAbsolutePath().toString());
            file.setAppend(true);
            appender = file;
        } else {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.err");
            appender = console;
        }
        appender.setContext(ctx);
        appender.setName(config.file().isPresent() ? "FILE" : "STDERR");
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalStateException("cannot open log.file " + config.file().orElse(null));
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.toLevel(config.level(), Level.INFO));
    }
}
