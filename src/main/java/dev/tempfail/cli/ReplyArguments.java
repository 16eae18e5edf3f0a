package dev.tempfail.cli;

import dev.tempfail.reply.Classification;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Reading replies and stages from the command line for {@code classify} and {@code schedule}; and time as people read it. */
final class ReplyArguments {
    private ReplyArguments() {}

    /** A stage label; the message of the exception lists the valid ones. */
    static Stage stage(String label) {
        try {
            return Stage.parse(label);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown stage '" + label + "' (one of "
                    + Arrays.stream(Stage.values()).map(Stage::label).collect(Collectors.joining(", ")) + ")");
        }
    }

    /**
     * A reply as written in logs: {@code 451 4.7.1 Greylisted}, or several lines of a multi-line
     * reply separated by newlines ({@code 550-5.1.1 The email...\n550 5.1.1 ...}).
     */
    static SmtpReply reply(String text) {
        String[] raw = text.strip().split("\r?\n");
        if (raw.length == 1) return SmtpReply.parse(raw[0]);
        int code = -1;
        List<String> lines = new ArrayList<>();
        for (String line : raw) {
            String l = line.strip();
            if (!l.matches("[2-5][0-9][0-9]([ -].*)?")) throw new IllegalArgumentException("not an SMTP reply line: " + line);
            int c = Integer.parseInt(l.substring(0, 3));
            if (code >= 0 && c != code) throw new IllegalArgumentException("the lines of one reply have different codes: " + text);
            code = c;
            lines.add(l.length() > 4 ? l.substring(4) : "");
        }
        return SmtpReply.of(code, lines);
    }

    /** {@code transient greylisted 4.7.1}. */
    static String verdict(Classification c) {
        return c.outcome().label() + (c.category() == null ? "" : " " + c.category().label()) + " " + c.status();
    }
}
