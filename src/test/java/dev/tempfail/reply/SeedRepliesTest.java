package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every row of the shared seed file classifies as the file says. */
class SeedRepliesTest {
    /** The seed file: {@code ../shared/replies} beside the clone, or the shared copy on this machine. */
    static Path seedFile() {
        Path beside = Path.of("..", "shared", "replies", "seed-replies.tsv");
        if (Files.isRegularFile(beside)) return beside;
        Path machine = Path.of("/work/shared/replies/seed-replies.tsv");
        if (Files.isRegularFile(machine)) return machine;
        return fail("seed replies not found: neither " + beside.toAbsolutePath().normalize() + " nor " + machine
                + " exists (the tests expect the shared/ directory beside the project)");
    }

    /** One row: stage, reply, outcome, category (a|b), and the source column when the file has one. */
    record Seed(int line, Stage stage, String reply, Outcome outcome, Set<Category> categories, String source) {}

    static List<Seed> seeds() throws Exception {
        return rows(seedFile());
    }

    /** The rows of a replies file in the seed format (tab-separated, # comments). */
    static List<Seed> rows(Path file) throws Exception {
        List<Seed> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            assertTrue(f.length >= 4, "line " + (i + 1) + " has fewer than 4 columns: " + line);
            Set<Category> categories = Arrays.stream(f[3].split("\\|")).map(Category::parse).collect(Collectors.toSet());
            out.add(new Seed(i + 1, Stage.parse(f[0]), f[1], Outcome.valueOf(f[2].trim().toUpperCase()), categories,
                    f.length > 4 ? f[4] : null));
        }
        return out;
    }

    @Test
    void everySeedRowClassifiesAsTheFileSays() throws Exception {
        List<Seed> seeds = seeds();
        assertTrue(seeds.size() >= 30, "expected the full seed file, got " + seeds.size() + " rows");
        ReplyClassifier classifier = ReplyClassifier.shipped();
        List<String> wrong = new ArrayList<>();
        for (Seed s : seeds) {
            Classification c = classifier.classify(s.stage(), SmtpReply.parse(s.reply()), null);
            if (c.outcome() != s.outcome() || !s.categories().contains(c.category())) {
                wrong.add("line " + s.line() + " " + s.stage().label() + " '" + s.reply() + "': expected " + s.outcome()
                        + " " + s.categories() + ", got " + c);
            }
        }
        assertEquals(List.of(), wrong, "seed replies misclassified:\n" + String.join("\n", wrong));
    }
}
