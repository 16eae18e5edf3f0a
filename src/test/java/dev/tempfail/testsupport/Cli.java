package dev.tempfail.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.cli.Main;
import dev.tempfail.admin.Json;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the {@code tempfail} command line in-process and keeps what it printed. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** This run, once it is known to have exited 0 (else the test fails with what it printed on stderr). */
    public Cli ok() {
        assertEquals(0, exitCode, err);
        return this;
    }

    /** What it printed on standard output, read as JSON. */
    public JsonNode json() throws Exception {
        return Json.MAPPER.readTree(out);
    }
}
