package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A second reader of reply texts: a multinomial logistic regression over {@link ReplyFeatures},
 * learnt from a corpus of labelled real replies (the shipped one is the train part of the reply
 * corpus, {@code /replies/replies-train.tsv} in the jar, where every row names its source).
 *
 * <p>Why it exists: the wording rules are right on the replies they were written against, but
 * each new source of replies says the same things in words no rule has, and seven rounds of
 * scoring on unseen replies showed new rules buying little there. A model that weighs every word
 * against every category reads unknown wording better, and where it is sure it is more often
 * right than the rules; where it is unsure the rules decide ({@link ReplyClassifier}).
 *
 * <p>It is learnt when first used (a second or less), the same way every time: the rows in file
 * order, shuffled by a fixed seed, so the same corpus gives the same weights and the same
 * answers on every machine. It gives only categories that fit the reply's outcome.
 */
public final class ReplyModel {
    /** Where the shipped corpus lives on the classpath. */
    public static final String SHIPPED = "/replies/replies-train.tsv";
    private static final int EPOCHS = 10;
    private static final double LEARNING_RATE = 0.1;
    /** Updates this small change nothing that matters and cost most of the time. */
    private static final double NEGLIGIBLE = 1e-3;
    private static final long SEED = 1;

    /**
     * One labelled reply: what a corpus file says of it.
     *
     * @param line   its line in the file (1-based), for messages; 0 when not from a file
     * @param source the file's fifth column (where the reply was found, or a note), or null
     */
    public record Example(int line, Stage stage, SmtpReply reply, Outcome outcome, Set<Category> categories, String source) {
        public Example {
            categories = Set.copyOf(categories);
        }
    }

    /** The model's answer: its category, how sure it is (0..1), and the words that weighed most for it. */
    public record Guess(Category category, double probability, List<String> words) {}

    private final Map<String, Integer> index;
    private final String[] names;
    private final Category[] categories;
    /** weights[category][feature], averaged over every step of learning (steadier than the last step's). */
    private final double[][] weights;

    private ReplyModel(Map<String, Integer> index, Category[] categories, double[][] weights) {
        this.index = index;
        this.names = new String[index.size()];
        index.forEach((name, k) -> names[k] = name);
        this.categories = categories;
        this.weights = weights;
    }

    /** The model learnt from the shipped corpus, once per process. */
    public static ReplyModel shipped() {
        return Shipped.MODEL;
    }

    private static final class Shipped {
        static final ReplyModel MODEL = learn(readShipped());
    }

    /** Learns a model from {@code examples}; a row with two categories counts half for each. */
    public static ReplyModel learn(List<Example> examples) {
        Map<String, Integer> index = new HashMap<>();
        Category[] categories = examples.stream().flatMap(e -> e.categories().stream()).distinct().sorted()
                .toArray(Category[]::new);
        List<int[]> rows = new ArrayList<>();
        for (Example e : examples) rows.add(features(e.stage(), e.reply(), index, true));
        double[][] w = new double[categories.length][index.size()];
        double[][] sum = new double[categories.length][index.size()];
        Integer[] order = new Integer[examples.size()];
        Arrays.setAll(order, i -> i);
        Random random = new Random(SEED);
        long step = 0;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            shuffle(order, random);
            for (int i : order) {
                step++;
                Example e = examples.get(i);
                int[] f = rows.get(i);
                double[] p = probabilities(w, categories, f, e.outcome());
                for (int c = 0; c < categories.length; c++) {
                    double target = e.categories().contains(categories[c]) ? 1.0 / e.categories().size() : 0;
                    double g = p[c] - target;
                    if (Math.abs(g) < NEGLIGIBLE) continue;
                    for (int k : f) {
                        w[c][k] -= LEARNING_RATE * g;
                        sum[c][k] -= LEARNING_RATE * g * step;
                    }
                }
            }
        }
        // The average of the weights over all steps, kept as a running sum weighted by step.
        for (int c = 0; c < categories.length; c++) {
            for (int k = 0; k < w[c].length; k++) w[c][k] -= sum[c][k] / step;
        }
        return new ReplyModel(Map.copyOf(index), categories, w);
    }

    /** Whether the corpus it learnt from had this category (only then can it weigh it against the others). */
    public boolean knows(Category category) {
        return Arrays.asList(categories).contains(category);
    }

    /** What the model makes of a 4xx or 5xx reply; null for any other code. */
    public Guess guess(Stage stage, SmtpReply reply) {
        Outcome outcome = outcome(stage, reply.code());
        if (outcome == null) return null;
        int[] f = features(stage, reply, index, false);
        double[] p = probabilities(weights, categories, f, outcome);
        int best = 0;
        for (int c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
        int winner = best;
        List<String> words = Arrays.stream(f).boxed()
                .filter(k -> weights[winner][k] > 0)
                .sorted(Comparator.comparingDouble((Integer k) -> -weights[winner][k]))
                .map(k -> names[k]).filter(n -> n.startsWith("w:")).map(n -> n.substring(2))
                .limit(3).collect(Collectors.toList());
        return new Guess(categories[best], p[best], words);
    }

    /** The outcome of a 4xx or 5xx reply, as {@link ReplyClassifier} reads it; null for any other code. */
    static Outcome outcome(Stage stage, int code) {
        return code >= 400 && code < 600 ? Outcome.ofFailure(stage, code) : null;
    }

    private static int[] features(Stage stage, SmtpReply reply, Map<String, Integer> index, boolean grow) {
        Set<String> names = ReplyFeatures.of(stage, reply.code(), ReplyClassifier.sentStatus(reply), reply.text());
        return names.stream().map(n -> grow ? index.computeIfAbsent(n, x -> index.size()) : index.get(n))
                .filter(Objects::nonNull).mapToInt(Integer::intValue).toArray();
    }

    /** Softmax over the categories that fit the outcome; the others get 0. */
    private static double[] probabilities(double[][] w, Category[] categories, int[] f, Outcome outcome) {
        double[] score = new double[categories.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < categories.length; c++) {
            if (!categories[c].fits(outcome)) continue;
            double s = 0;
            for (int k : f) s += w[c][k];
            score[c] = s;
            max = Math.max(max, s);
        }
        double total = 0;
        for (int c = 0; c < categories.length; c++) {
            score[c] = categories[c].fits(outcome) ? Math.exp(score[c] - max) : 0;
            total += score[c];
        }
        for (int c = 0; c < categories.length; c++) score[c] /= total;
        return score;
    }

    private static void shuffle(Integer[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /**
     * The rows of a replies file (the corpus, and the shared seed file): tab-separated stage, reply,
     * outcome, category (a|b) and an optional fifth column; blank lines and # lines are skipped.
     */
    public static List<Example> read(InputStream in, String source) throws IOException {
        List<Example> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int n = 0;
        for (String line; (line = r.readLine()) != null; ) {
            n++;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f.length < 4) throw new IllegalArgumentException(source + " line " + n + ": fewer than 4 columns");
            Set<Category> cats = EnumSet.noneOf(Category.class);
            for (String c : f[3].split("\\|")) cats.add(Category.parse(c));
            out.add(new Example(n, Stage.parse(f[0]), SmtpReply.parse(f[1]),
                    Outcome.valueOf(f[2].trim().toUpperCase(Locale.ROOT)), cats, f.length > 4 ? f[4] : null));
        }
        return out;
    }

    private static List<Example> readShipped() {
        try (InputStream in = ReplyModel.class.getResourceAsStream(SHIPPED)) {
            if (in == null) throw new IllegalStateException("the reply corpus " + SHIPPED + " is missing from the jar");
            return read(in, SHIPPED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
