package dev.tempfail;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package graph of the compiled main classes, as the JDK's {@code jdeps} reads it from the
 * bytecode (so it sees every reference, imported or written out in full): it has no cycle, every
 * package has a {@code package-info.java}, and each package keeps the rules its comment states
 * ("May import: ..." and "Never imported by: ..."), so the comments cannot drift from the code.
 */
class PackageGraphTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final Path SOURCES = Path.of("src/main/java/dev/tempfail");
    private static final String ROOT = "dev.tempfail";

    @Test
    void thePackagesFormNoCycle() {
        Map<String, Set<String>> graph = graph();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            List<String> path = cycleFrom(start, start, graph, new ArrayList<>(List.of(start)), new TreeSet<>());
            if (path != null) cycles.add(String.join(" -> ", path));
        }
        assertEquals(List.of(), cycles, "import cycles between packages");
    }

    @Test
    void everyPackageSaysWhatItMayImportAndKeepsToIt() throws IOException {
        Map<String, Set<String>> graph = graph();
        Set<String> packages = new TreeSet<>(graph.keySet());
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(name(SOURCES.relativize(d).toString())));
        }
        List<String> problems = new ArrayList<>();
        for (String pkg : packages) {
            Path info = SOURCES.resolve(pkg.isEmpty() ? "" : pkg.replace('.', '/')).resolve("package-info.java");
            if (!Files.exists(info)) {
                problems.add(label(pkg) + ": no package-info.java");
                continue;
            }
            String comment = Files.readString(info).replaceAll("\\{@(code|link) ([^}]*)}", "$2").replaceAll("\\s*\\n\\s*\\*\\s?", " ")
                    .replaceAll("\\([^)]*\\)", "");
            Set<String> mayImport = rule(comment, "May import:", packages, pkg);
            Set<String> neverBy = rule(comment, "Never imported by:", packages, pkg);
            if (mayImport == null || neverBy == null) {
                problems.add(label(pkg) + ": its comment lacks a \"May import:\" or \"Never imported by:\" sentence");
                continue;
            }
            for (String dep : graph.getOrDefault(pkg, Set.of())) {
                if (!mayImport.contains(dep)) problems.add(label(pkg) + " imports " + label(dep) + ", not in its \"May import:\"");
            }
            for (String user : neverBy) {
                if (graph.getOrDefault(user, Set.of()).contains(pkg)) problems.add(label(user) + " imports " + label(pkg) + ", which it must never");
            }
        }
        assertEquals(List.of(), problems);
    }

    /** Our packages named in the sentence that starts with {@code lead}; null if there is none. */
    private static Set<String> rule(String comment, String lead, Set<String> packages, String self) {
        int at = comment.indexOf(lead);
        if (at < 0) return null;
        Matcher end = Pattern.compile("[;]|\\.(\\s|$)").matcher(comment);
        String sentence = comment.substring(at + lead.length(), end.find(at + lead.length()) ? end.start() : comment.length());
        List<String> words = List.of(sentence.trim().split("[\\s,]+"));
        Set<String> named = new TreeSet<>();
        if (words.equals(List.of("anything"))) {
            named.addAll(packages);
            named.remove(self);
        }
        for (String w : words) {
            String p = w.equals(ROOT) ? "" : w.startsWith(ROOT + ".") ? w.substring(ROOT.length() + 1) : w;
            if (packages.contains(p) && !w.isEmpty()) named.add(p);
        }
        return named;
    }

    private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> graph, List<String> path, Set<String> seen) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(next);
                return cycle.stream().map(PackageGraphTest::label).toList();
            }
            if (seen.add(next)) {
                path.add(next);
                List<String> found = cycleFrom(start, next, graph, path, seen);
                if (found != null) return found;
                path.remove(path.size() - 1);
            }
        }
        return null;
    }

    /** Package (relative to dev.tempfail, the root as "") to the packages of ours it refers to. */
    static Map<String, Set<String>> graph() {
        assertTrue(Files.isDirectory(CLASSES.resolve("dev/tempfail")), "run after compiling: " + CLASSES);
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:package", "-e", "dev\\.tempfail(\\..*)?", CLASSES.toString());
        assertEquals(0, rc, out.toString());
        Map<String, Set<String>> graph = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+(dev\\.tempfail\\S*)\\s+->\\s+(dev\\.tempfail\\S*)\\s").matcher(out.toString());
        while (m.find()) {
            String from = name(m.group(1)), to = name(m.group(2));
            graph.computeIfAbsent(from, k -> new TreeSet<>());
            if (!from.equals(to)) graph.get(from).add(to);
        }
        assertTrue(graph.size() > 10, "jdeps found too few packages:\n" + out);
        return graph;
    }

    private static String name(String pkg) {
        String p = pkg.replace('/', '.');
        return p.equals(ROOT) ? "" : p.startsWith(ROOT + ".") ? p.substring(ROOT.length() + 1) : p;
    }

    private static String label(String pkg) {
        return pkg.isEmpty() ? ROOT : pkg;
    }
}
