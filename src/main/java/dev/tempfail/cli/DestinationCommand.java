package dev.tempfail.cli;

import dev.tempfail.admin.Json;
import dev.tempfail.queue.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tempfail destination list|suspend|resume}: the destinations held back (by what they
 * replied or by the operator), and the operator's pause on one. A destination is a next hop
 * ({@code mx.example.com}, {@code host:port}) or a recipient domain.
 */
@Command(name = "destination", mixinStandardHelpOptions = true, description = "See and pause destinations.",
        subcommands = {DestinationCommand.ListCmd.class, DestinationCommand.Suspend.class, DestinationCommand.Resume.class})
public final class DestinationCommand extends CommandGroup {
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Destinations paused, capped or limited, and why.")
    static final class ListCmd extends QueueCommand.Base {
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;

        @Override
        public Integer call() throws Exception {
            AdminClient.Answer a = call("GET", "/api/destinations", null);
            if (a.status() != 200) return failed(a);
            List<QueueView.Throttle> list = List.of(Json.MAPPER.readValue(a.body(), QueueView.Throttle[].class));
            if (json) {
                out().println(Json.pretty(list));
            } else if (list.isEmpty()) {
                out().println("no destination is held back");
            } else {
                for (QueueView.Throttle t : list) out().println(QueueText.line(t));
            }
            return 0;
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Send nothing to a destination for a while.")
    static final class Suspend extends QueueCommand.Base {
        @Parameters(paramLabel = "DESTINATION") String name;
        @Option(names = "--for", paramLabel = "DURATION", required = true, description = "how long (30m, 2h, 1d)") String span;

        @Override
        public Integer call() throws Exception {
            AdminClient.Answer a = call("POST", "/api/destinations/" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + "/suspend", Json.write(Map.of("for", span)));
            if (a.status() != 200) return failed(a);
            out().println(name + ": suspended until " + Json.MAPPER.readTree(a.body()).path("paused_until").asText());
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Lift a destination's pause and caps; mail to that domain that waited for it is due at once.")
    static final class Resume extends QueueCommand.Base {
        @Parameters(paramLabel = "DESTINATION") String name;

        @Override
        public Integer call() throws Exception {
            AdminClient.Answer a = call("POST", "/api/destinations/" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + "/resume", "{}");
            if (a.status() != 200) return failed(a);
            var r = Json.MAPPER.readTree(a.body());
            out().println(name + ": " + (r.path("was_throttled").asBoolean() ? "resumed" : "was not held back") + ", "
                    + r.path("recipients_due").asInt() + " recipient(s) due now");
            return 0;
        }
    }
}
