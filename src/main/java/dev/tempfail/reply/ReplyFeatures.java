package dev.tempfail.reply;

import dev.tempfail.smtp.Stage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link ReplyModel} sees of a reply: the command it answered, the basic and enhanced codes,
 * and the server's own words, each word whole, in its four-letter pieces, and paired with the
 * next word ("not yet", "too many"; a word seen before in the reply is skipped, so the pairs run
 * over each word's first appearance). The pieces are what
 * let a word the corpus never had count: "blacklisted" shares "^bla", "lack", "list" with
 * "blacklist", "virus-scanner" shares "scan" with "scanner".
 *
 * <p>Things that differ in every reply and say nothing of why it came (addresses, host names in
 * brackets, numbers, links, and Postfix's "Recipient address rejected:" lead-in, which it puts
 * before every policy server's answer) are taken out or made one token first.
 */
final class ReplyFeatures {
    private static final Pattern LEADING_STATUS = Pattern.compile("^\\s*#?[245]\\.\\d{1,3}\\.\\d{1,3}\\b");
    private static final Pattern ANGLED = Pattern.compile("<[^>]*>");
    private static final Pattern BRACKETED = Pattern.compile("\\[[^\\]]*\\]");
    private static final Pattern POSTFIX_LEAD = Pattern.compile(
            "(recipient|sender) address rejected:|client host rejected:|helo command rejected:|end-of-data rejected:");
    private static final Pattern URL = Pattern.compile("(https?|ftp)://\\S+");
    private static final Pattern ADDRESS = Pattern.compile("\\S+@\\S+");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern WORD = Pattern.compile("[a-z0]+");
    private static final Set<String> STOP_WORDS = Set.of("the", "a", "an", "of", "to", "for", "is", "are", "be", "in",
            "on", "at", "by", "from", "this", "that", "your", "you", "our", "we", "it", "with", "and", "or", "please");

    private static final List<String> ENDINGS = List.of("ing", "ed", "es", "s");

    private ReplyFeatures() {}

    /**
     * @param status the enhanced code as sent ({@code 5.7.1}), or null
     * @param text   the reply's text after the basic code (it may start with the enhanced code)
     */
    static Set<String> of(Stage stage, int code, String status, String text) {
        Set<String> f = new LinkedHashSet<>();
        String at = stage.label();
        f.add("stage=" + at);
        f.add("code=" + code);
        f.add("stage+code=" + at + code);
        if (status != null) {
            String detail = status.substring(status.indexOf('.') + 1);
            f.add("status=x." + detail);
            f.add("subject=x." + detail.substring(0, detail.indexOf('.')));
            f.add("stage+status=" + at + detail);
        } else {
            f.add("status=none");
        }
        String prev = null;
        for (String word : words(text)) {
            if (prev != null) f.add("b:" + prev + "_" + word);
            prev = word;
            if (!STOP_WORDS.contains(word)) f.add("w:" + word);
            String bounded = "^" + word + "$";
            for (int i = 0; i + 4 <= bounded.length(); i++) f.add("c:" + bounded.substring(i, i + 4));
        }
        return f;
    }

    private static Iterable<String> words(String text) {
        String s = LEADING_STATUS.matcher(text).replaceFirst(" ").toLowerCase(Locale.ROOT);
        s = ANGLED.matcher(s).replaceAll(" ");
        s = POSTFIX_LEAD.matcher(s).replaceAll(" ");
        s = URL.matcher(s).replaceAll(" urltok ");
        s = ADDRESS.matcher(s).replaceAll(" addrtok ");
        s = BRACKETED.matcher(s).replaceAll(" ");
        s = DIGITS.matcher(s).replaceAll(" 0 ");
        Set<String> out = new LinkedHashSet<>();
        Matcher m = WORD.matcher(s);
        while (m.find()) out.add(stem(m.group()));
        return out;
    }

    /** Folds the commonest English endings, so "limits", "limited" and "limiting" are one word. */
    static String stem(String word) {
        for (String suffix : ENDINGS) {
            if (word.length() > suffix.length() + 3 && word.endsWith(suffix)) {
                return word.substring(0, word.length() - suffix.length());
            }
        }
        return word;
    }
}
