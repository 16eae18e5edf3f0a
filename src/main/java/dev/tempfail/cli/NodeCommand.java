package dev.tempfail.cli;

import dev.tempfail.admin.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.tempfail.queue.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;

/**
 * {@code tempfail node list}: the relays that use this queue (several share a PostgreSQL queue),
 * whether each is running, and how many recipients each holds. Asks the running relay's admin
 * API, or runs the same endpoint on the queue database when none answers ({@link AdminClient}).
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "See the nodes that share the queue.",
        subcommands = {NodeCommand.ListNodes.class})
public final class NodeCommand extends CommandGroup {
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the nodes: state (running, silent, stopped), start, last heartbeat, leased recipients.")
    static final class ListNodes extends QueueCommand.Base {
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;

        @Override
        public Integer call() throws Exception {
            AdminClient.Answer a = call("GET", "/api/nodes", null);
            if (a.status() != 200) return failed(a);
            List<QueueView.Node> nodes = Json.MAPPER.readValue(a.body(), new TypeReference<List<QueueView.Node>>() {});
            PrintWriter out = out();
            if (json) {
                out.println(Json.pretty(nodes));
                return 0;
            }
            String format = "%-24s %-8s %-24s %-24s %7s  %s%n";
            out.printf(format, "NODE", "STATE", "STARTED", "LAST SEEN", "LEASED", "SMTP / ADMIN");
            for (QueueView.Node n : nodes) {
                out.printf(format, n.node(), n.state(), n.startedAt(), n.lastSeen(), n.leased(), n.smtp() + " / " + n.admin());
            }
            return 0;
        }
    }
}
