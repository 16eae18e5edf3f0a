package dev.tempfail.reply;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    static List<ReplyModel.Example> seeds() throws Exception {
        return rows(seedFile());
    }

    /** The rows of a replies file in the seed format, read as the word model reads its corpus. */
    static List<ReplyModel.Example> rows(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return ReplyModel.read(in, file.toString());
        }
    }

    @Test
    void everySeedRowClassifiesAsTheFileSays() throws Exception {
        List<ReplyModel.Example> seeds = seeds();
        assertTrue(seeds.size() >= 30, "expected the full seed file, got " + seeds.size() + " rows");
        ReplyClassifier classifier = ReplyClassifier.shipped();
        List<String> wrong = new ArrayList<>();
        for (ReplyModel.Example s : seeds) {
            Classification c = classifier.classify(s.stage(), s.reply(), null);
            if (c.outcome() != s.outcome() || !s.categories().contains(c.category())) {
                wrong.add("line " + s.line() + " " + s.stage().label() + " '" + s.reply() + "': expected " + s.outcome()
                        + " " + s.categories() + ", got " + c);
            }
        }
        assertEquals(List.of(), wrong, "seed replies misclassified:\n" + String.join("\n", wrong));
    }
}
