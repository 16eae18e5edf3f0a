package dev.tempfail.reply;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped rules against a corpus of real replies from public sources
 * ({@code src/test/resources/replies}), in two parts: the rules are written against the train
 * part; the held-out part was never used to write them and measures how they do on replies
 * nobody tuned them to. Both scores are printed; the outcome must be right on every row. When a
 * held-out part has been scored it is no longer unseen: the next round folds it into the train part
 * (as the first one was, see the train file's header) and builds a new held-out part.
 */
class ReplyCorpusTest {
    /** What the classifier got right on one part of the corpus. */
    record Score(String part, int rows, int outcomes, int categories, List<String> misses) {
        double categoryShare() {
            return rows == 0 ? 0 : (double) categories / rows;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %d rows, outcome %d/%d, category %d/%d (%.1f %%)", part, rows,
                    outcomes, rows, categories, rows, 100 * categoryShare());
        }
    }

    static Score score(String part) throws Exception {
        ReplyClassifier classifier = ReplyClassifier.shipped();
        List<ReplyModel.Example> rows = SeedRepliesTest.rows(resource("/replies/replies-" + part + ".tsv"));
        int outcomes = 0;
        int categories = 0;
        List<String> misses = new ArrayList<>();
        for (ReplyModel.Example r : rows) {
            Classification c = classifier.classify(r.stage(), r.reply(), null);
            boolean outcome = c.outcome() == r.outcome();
            boolean category = r.categories().contains(c.category());
            if (outcome) outcomes++;
            if (category) categories++;
            if (!outcome || !category) {
                misses.add("line " + r.line() + " " + r.stage().label() + " '" + r.reply() + "': expected " + r.outcome()
                        + " " + r.categories() + ", got " + c + " [" + r.source() + "]");
            }
        }
        return new Score(part, rows.size(), outcomes, categories, misses);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(Objects.requireNonNull(ReplyCorpusTest.class.getResource(name), name).toURI());
    }

    @Test
    void trainPart() throws Exception {
        Score s = score("train");
        System.out.println("reply corpus " + s);
        assertTrue(s.rows() >= 200, "the train part: " + s.rows());
        assertEquals(s.rows(), s.outcomes(), "every outcome right:\n" + String.join("\n", s.misses()));
        s.misses().forEach(m -> System.out.println("  miss " + m));
        assertTrue(s.categoryShare() >= 0.95, s + "\n" + String.join("\n", s.misses()));
    }

    /**
     * The held-out part: never used to write rules, from sources the train part does not use (or
     * uses little), labelled and committed before the rules were run on it, and scored once when
     * they were done: 141/170 (82.9 %) for the twelfth part (the rules alone 128/170, the model
     * alone 145/170); the eleventh 251/307 (81.8 %; the rules alone 234/307, the model alone
     * 253/307); the tenth 184/235 (78.3 %; the rules alone 168/235, the model alone
     * 189/235); the ninth scored 173/202 (85.6 %; the rules alone 167/202, the model
     * alone 173/202); the eighth, the first scored with the word model, 173/202 too (the rules
     * alone 168/202); the seventh scored 151/193, 78.2 %, the sixth 210/251, 83.7 %, the
     * fifth 139/157, 88.5 %, the fourth 125/169, 74.0 %, the third 127/155, 81.9 %, the second
     * 140/188, 74.5 %; each was then folded into the train part;
     * see the closing notes of issue 12). The outcome must be
     * right on every row. The category share is printed and held to the score it had then, so that
     * later rule changes cannot quietly make the rules worse on replies they were not written for;
     * the goal of 95 % is asserted only once a held-out part has reached it.
     */
    @Test
    void heldOutPart() throws Exception {
        Score s = score("heldout");
        System.out.println("reply corpus " + s);
        s.misses().forEach(m -> System.out.println("  miss " + m));
        assertTrue(s.rows() >= 150, "the held-out part: " + s.rows());
        assertEquals(s.rows(), s.outcomes(), "every outcome right:\n" + String.join("\n", s.misses()));
        assertTrue(s.categoryShare() >= HELD_OUT_FLOOR, s + "\n" + String.join("\n", s.misses()));
    }

    /**
     * The held-out category share when it was scored, rounded down: a floor for regressions, not a
     * target (the goal, 0.95, was not reached; rules tuned to these rows after scoring would make
     * the figure meaningless, so the misses wait until this part is folded into the train part).
     */
    static final double HELD_OUT_FLOOR = 0.82;
}
