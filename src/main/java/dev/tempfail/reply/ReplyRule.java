package dev.tempfail.reply;

import dev.tempfail.smtp.Stage;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One classification rule from a rules file. Every condition given must hold; a condition not
 * given holds always. Lists mean "any of these".
 *
 * @param name           unique in its file; shown as the {@code rule} of a classification
 * @param source         the file it came from, for error messages and {@code tempfail classify}
 * @param stages         the stages it applies at; empty = any
 * @param codes          basic codes ({@code 451}, {@code 45x}, {@code 4xx}); empty = any
 * @param statuses       enhanced codes as the server sent them, {@code *} standing for any digits
 *                       ({@code 5.1.*}, {@code *.7.26}), or {@code none} for a reply without one; empty = any
 * @param text           searched for in the reply text, case-insensitive; null = any
 * @param host           searched for in the remote host name, case-insensitive; null = any
 *                       (a rule with a host never matches when the host is unknown)
 * @param category       the category it gives
 * @param waitAtLeast    the shortest wait it asks for; null = none
 * @param note           for the operator; may be null
 * @param newTransaction retry at once in a new transaction (once), e.g. "one domain per transaction"
 * @param yieldsToStatus its wording is vague ("not allowed", "access denied", "blocked"): a specific
 *                       enhanced code ({@code x.y.z}, z not 0) in the reply says more, and wins
 */
public record ReplyRule(String name, String source, Set<Stage> stages, List<Pattern> codes, List<Pattern> statuses,
                        Pattern text, Pattern host, Category category, Duration waitAtLeast, String note,
                        boolean newTransaction, boolean yieldsToStatus) {

    public ReplyRule {
        stages = Set.copyOf(stages);
        codes = List.copyOf(codes);
        statuses = List.copyOf(statuses);
    }

    /**
     * @param status the enhanced status code as the server sent it, or null
     * @param text   the reply's text, all lines
     * @param host   the remote host name, or null
     */
    boolean matches(Stage stage, int code, String status, String text, String host) {
        if (!stages.isEmpty() && !stages.contains(stage)) return false;
        if (!codes.isEmpty() && codes.stream().noneMatch(p -> p.matcher(Integer.toString(code)).matches())) return false;
        String sent = status == null ? "" : status; // "status: none" compiles to a pattern matching ""
        if (!statuses.isEmpty() && statuses.stream().noneMatch(p -> p.matcher(sent).matches())) return false;
        if (this.host != null && (host == null || !this.host.matcher(host).find())) return false;
        return this.text == null || this.text.matcher(text).find();
    }
}
