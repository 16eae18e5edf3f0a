package dev.tempfail.maillog;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.event.KeyValuePair;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code log.format: json}: one object per line, for log shippers. The fixed fields come first
 * ({@code time}, {@code host}, {@code program}, {@code pid}, {@code level}, {@code message} — the
 * text line's message), then the event's own fields ({@code event}, {@code queue_id}, {@code to},
 * {@code status}, {@code category}…), as the mail log passes them.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String doLayout(ILoggingEvent e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
        out.put("host", SyslogLayout.HOST);
        out.put("program", SyslogLayout.program(e.getLoggerName()));
        out.put("pid", SyslogLayout.PID);
        out.put("level", e.getLevel().toString().toLowerCase(Locale.ROOT));
        out.put("message", e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) out.putIfAbsent(kv.key, kv.value);
        }
        if (e.getThrowableProxy() != null) out.put("exception", ThrowableProxyUtil.asString(e.getThrowableProxy()));
        try {
            return JSON.writeValueAsString(out) + CoreConstants.LINE_SEPARATOR;
        } catch (JsonProcessingException impossible) {
            return "{\"message\":\"unwritable log event\"}" + CoreConstants.LINE_SEPARATOR;
        }
    }
}
