package dev.tempfail.reply;

import dev.tempfail.config.RetryConfig;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says what one SMTP reply means: delivered, transient or permanent, and why.
 *
 * <ul>
 * <li>The basic code decides the outcome: 2xx delivered, 4xx transient, 5xx permanent. The one
 *     exception is RFC 5321 section 4.5.3.1.10: a 552 to RCPT is taken as a 452 (transient,
 *     reported as {@code 4.x.x}). An enhanced code of the other class ({@code 450 5.7.1}) never
 *     changes the outcome; the reported status takes the class of the outcome ({@code 4.7.1}).
 * <li>The category comes from the first rule that matches and whose category fits the outcome
 *     ({@link ReplyRules}, {@link Category#fits}); failing that, from the enhanced code's
 *     subject and detail (RFC 3463), where they can be true of the command answered; failing
 *     that, from the basic code's RFC 5321 meaning at that command ({@link Rfc3463}); failing
 *     that, {@code unknown}. At MAIL a mailbox or domain category, whichever step gave it, is
 *     reported as {@code policy}: the address there is our sender.
 *     Clear wording wins over the enhanced code, because servers use the codes loosely
 *     ({@code 5.7.1} on an inactive mailbox, {@code 5.1.2} on a malformed address); a rule whose
 *     wording is vague ({@link ReplyRule#yieldsToStatus}: "not allowed", "blocked") yields to a
 *     specific code ({@code 5.5.1} is protocol, whatever "not allowed" would say), and does not
 *     read RFC 5321's own text for the basic code ({@code 553 ... mailbox name not allowed}).
 * <li>Then a second reader, {@link ReplyModel}, weighs the words: where it is at least
 *     {@link #SURE} sure of another category (that fits the outcome), its category is used, unless
 *     the rule that decided is the user's, a destination profile's, or bound to a receiver's hosts
 *     or to a command.
 * <li>A wait the reply asks for ("try again in 5 minutes", "(2/h)") is kept in the
 *     classification; the retry policy never waits less.
 * </ul>
 *
 * <p>The classifier only classifies: a 5xx greeting that means "try the next MX" is the SMTP
 * client's business.
 */
public final class ReplyClassifier {
    /** qmail and others put the enhanced code at the end: {@code ... by that name. (#5.1.1)}. */
    private static final Pattern TRAILING_STATUS = Pattern.compile("\\(#([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b[^)]*\\)");
    /** Old Exchange writes {@code 550 #5.1.0 Address rejected}. */
    private static final Pattern HASH_STATUS = Pattern.compile("^#([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s|$)");

    /**
     * How sure the model must be to overrule the rules. Chosen on two held-out parts the rules had
     * not been written against (#6 and #7): below it the model is wrong about as often as the rules.
     */
    static final double SURE = 0.8;
    /** The rule name a classification the model decided shows. */
    public static final String MODEL_RULE = "word model";

    private final ReplyRules rules;
    private final ReplyModel model;

    /** The rules, with the shipped {@link ReplyModel} as second reader. */
    public ReplyClassifier(ReplyRules rules) {
        this(rules, ReplyModel.shipped());
    }

    /** @param model the second reader; null for the rules alone */
    public ReplyClassifier(ReplyRules rules, ReplyModel model) {
        this.rules = Objects.requireNonNull(rules);
        this.model = model;
    }

    /**
     * The classifier the configuration asks for: the user's rules, the profiles' and the shipped
     * ones, and the word model unless {@code retry.word_model} is false.
     */
    public static ReplyClassifier configured(RetryConfig retry, DestinationProfiles profiles) {
        return new ReplyClassifier(ReplyRules.load(retry, profiles), retry.wordModel() ? ReplyModel.shipped() : null);
    }

    /** A classifier with the shipped rules and model. */
    public static ReplyClassifier shipped() {
        return new ReplyClassifier(ReplyRules.shipped());
    }

    /**
     * @param stage the step of the transaction the reply answered
     * @param reply the reply
     * @param host  the remote host's name (for rules with {@code host:}); may be null
     */
    public Classification classify(Stage stage, SmtpReply reply, String host) {
        Objects.requireNonNull(stage, "stage");
        int code = reply.code();
        String sent = sentStatus(reply);
        if (code >= 200 && code < 300) {
            String status = sent != null && sent.startsWith("2") ? sent : "2.0.0";
            return new Classification(Outcome.DELIVERED, null, status, null, 0, "2xx", null, false, stage, reply);
        }
        boolean rcpt552 = stage == Stage.RCPT && code == 552;
        Outcome outcome = Outcome.ofFailure(stage, code);
        char cls = outcome == Outcome.PERMANENT ? '5' : '4';
        String status = sent != null ? cls + sent.substring(1) : rcpt552 ? "4.2.2" : cls + ".0.0";
        String text = reply.text();
        WaitHint hint = WaitHint.parse(text);
        String aside = rcpt552 ? "552 to RCPT taken as 452 (RFC 5321 4.5.3.1.10)"
                : sent != null && sent.charAt(0) != cls ? "enhanced code " + sent + " disagrees with " + code + "; the basic code decides"
                : null;

        if (code < 400 || code >= 600) {
            return new Classification(outcome, Category.PROTOCOL, status, hint.duration(), hint.perHour(), "unexpected code",
                    "a " + code + " reply was not expected at " + stage.label(), false, stage, reply);
        }
        Rfc3463.Fallback f = Rfc3463.categorize(status, code, stage, text);
        String vague = Rfc3463.withoutStandardText(code, text);
        for (ReplyRule rule : rules.rules()) {
            if (rule.category().fits(outcome) && rule.matches(stage, code, sent, rule.yieldsToStatus() ? vague : text, host)) {
                if (rule.yieldsToStatus() && sent != null && Rfc3463.specific(status, stage)) break;
                Duration wait = WaitHint.longer(hint.duration(), rule.waitAtLeast());
                boolean split = rule.newTransaction() || rule.category() == Category.TOO_MANY_RECIPIENTS;
                Category category = atCommand(rule.category(), stage);
                Classification byRule = new Classification(outcome, category, status, wait, hint.perHour(), rule.name(),
                        join(category == rule.category() ? rule.note() : OUR_SENDER, aside), split, stage, reply);
                return modelMayOverrule(rule) ? secondOpinion(byRule, hint, aside) : byRule;
            }
        }
        Category category = atCommand(f.category(), stage);
        return secondOpinion(new Classification(outcome, category, status, hint.duration(), hint.perHour(), f.rule(),
                join(category == f.category() ? f.note() : OUR_SENDER, aside), f.category() == Category.TOO_MANY_RECIPIENTS, stage, reply),
                hint, aside);
    }

    /**
     * A rule of the user's or of a destination profile always stands, and so does a shipped rule
     * bound to a receiver's hosts or to a command: it knows something of that receiver, or of what
     * that command's replies mean ("any TLS complaint at STARTTLS is protocol"), that the words do
     * not say. The model may overrule the other shipped rules, which read words alone.
     */
    private static boolean modelMayOverrule(ReplyRule rule) {
        return ReplyRules.isShipped(rule) && rule.host() == null && rule.stages().isEmpty();
    }

    /**
     * The model's reading wins over a shipped rule's ({@link #modelMayOverrule}) or a fallback's
     * when it is sure of another category ({@link #SURE}), and knows the category it would
     * overrule (or the rules said only {@code unknown}): our own MTA-STS replies are in no corpus,
     * so the model would never say {@code mta_sts}, however plainly the reply names the policy.
     */
    private Classification secondOpinion(Classification byRules, WaitHint hint, String aside) {
        if (model == null || byRules.category() != Category.UNKNOWN && !model.knows(byRules.category())) return byRules;
        ReplyModel.Guess g = model.guess(byRules.stage(), byRules.reply());
        if (g == null || g.probability() < SURE) return byRules;
        Category category = atCommand(g.category(), byRules.stage());
        if (category == byRules.category() || !category.fits(byRules.outcome())) return byRules;
        String words = g.words().isEmpty() ? "" : ", from the words " + String.join(", ", g.words());
        String note = String.format(Locale.ROOT, "the word model is %.0f %% sure%s; the rules said %s (%s)",
                100 * g.probability(), words, byRules.category().label(), byRules.rule());
        return new Classification(byRules.outcome(), category, byRules.status(), hint.duration(), hint.perHour(), MODEL_RULE,
                join(note, aside), category == Category.TOO_MANY_RECIPIENTS, byRules.stage(), byRules.reply());
    }

    private static final String OUR_SENDER = "the address refused at MAIL is our envelope sender: the receiver refused our sender";

    /**
     * At MAIL the only address in play is our envelope sender: a reply that says its mailbox or
     * domain is bad ("malformed address", "domain not found") refuses our sender, which is policy,
     * not a recipient that does not exist.
     */
    private static Category atCommand(Category category, Stage stage) {
        boolean address = category == Category.BAD_MAILBOX || category == Category.BAD_DOMAIN;
        return stage == Stage.MAIL && address ? Category.POLICY : category;
    }

    private static String join(String note, String aside) {
        if (aside == null) return note;
        return note == null ? aside : note + "; " + aside;
    }

    /** The enhanced status code the server sent, wherever it put it; null if none. */
    static String sentStatus(SmtpReply reply) {
        if (reply.enhancedStatus() != null) return reply.enhancedStatus();
        if (!reply.lines().isEmpty()) {
            Matcher h = HASH_STATUS.matcher(reply.lines().get(0));
            if (h.find()) return h.group(1) + "." + h.group(2) + "." + h.group(3);
        }
        Matcher m = TRAILING_STATUS.matcher(reply.text());
        return m.find() ? m.group(1) + "." + m.group(2) + "." + m.group(3) : null;
    }
}
