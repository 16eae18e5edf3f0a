package dev.tempfail.cli;

import dev.tempfail.admin.QueueApi;
import dev.tempfail.admin.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.queue.QueueView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tempfail queue ...}: see and steer the queue, as Postfix's mailq, postcat, postqueue -f
 * and postsuper do. Each subcommand is one admin API call ({@link AdminClient}): to the running
 * relay, or in-process on the queue database when none answers.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "See and steer the queue.",
        subcommands = {QueueCommand.ListCmd.class, QueueCommand.Show.class, QueueCommand.Cat.class,
                QueueCommand.Flush.class, QueueCommand.Retry.class, QueueCommand.Hold.class, QueueCommand.Release.class,
                QueueCommand.Delete.class, QueueCommand.Bounce.class, QueueRecoverCommand.class})
public final class QueueCommand extends CommandGroup {
    /** Stands for "every message" among the queue ids of an action (as Postfix's postsuper ALL). */
    static final String ALL = "ALL";

    /** The filters of {@code queue list}, shared by the bulk forms of the actions. */
    static final class Filters {
        @Option(names = "--state", paramLabel = "S", description = "recipients in this state: queued, delivering, deferred, held, delivered, failed, expired, deleted")
        String state;
        @Option(names = "--domain", paramLabel = "D", description = "recipients at this domain")
        String domain;
        @Option(names = "--category", paramLabel = "C", description = "recipients whose last failure had this category (greylisted, mailbox_full, ...)")
        String category;
        @Option(names = "--sender", paramLabel = "A", description = "messages from this sender (@domain: any sender there; <> the null sender)")
        String sender;
        @Option(names = "--older-than", paramLabel = "DURATION", description = "messages that arrived longer ago than this (2h, 3d)")
        String olderThan;

        Map<String, String> values() {
            Map<String, String> m = new LinkedHashMap<>();
            if (state != null) m.put("state", state);
            if (domain != null) m.put("domain", domain);
            if (category != null) m.put("category", category);
            if (sender != null) m.put("sender", sender);
            if (olderThan != null) m.put("older_than", olderThan);
            return m;
        }
    }

    /** What every subcommand shares: the config, where to print, and how to report an error answer. */
    abstract static class Base implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ConfigOption config;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        AdminClient.Answer call(String method, String path, String body) throws Exception {
            TempfailConfig cfg = config.load();
            return AdminClient.call(cfg, method, path, body, err());
        }

        /** Prints an error answer as one line; its exit code: 2 for a bad request, else 1. */
        int failed(AdminClient.Answer a) {
            err().println("tempfail: " + a.error());
            return a.status() == 400 ? 2 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List messages, oldest first: unfinished ones, or all with --all.")
    static final class ListCmd extends Base {
        @Mixin Filters filters;
        @Option(names = "--all", description = "finished messages too (delivered, failed, expired, deleted; kept for queue.keep_finished)") boolean all;
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "at most this many messages (default ${DEFAULT-VALUE}, at most 100000)") String limit;

        @Override
        public Integer call() throws Exception {
            String problem = QueueApi.limitProblem(limit);
            if (problem != null) {
                err().println("tempfail: --" + problem);
                return 2;
            }
            Map<String, String> q = filters.values();
            if (all) q.put("all", "true");
            q.put("limit", limit);
            AdminClient.Answer a = call("GET", "/api/queue?" + query(q), null);
            if (a.status() != 200) return failed(a);
            QueueView.Listing listing = Json.MAPPER.readValue(a.body(), QueueView.Listing.class);
            if (json) out().println(Json.pretty(listing));
            else QueueText.print(listing, out());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show one message, in the queue or finished: each recipient, every attempt, what comes next.")
    static final class Show extends Base {
        @Option(names = "--json", description = "print JSON (as the admin API serves it)") boolean json;
        @Parameters(paramLabel = "QUEUE_ID") String queueId;

        @Override
        public Integer call() throws Exception {
            if (!queueId.matches("[0-9A-Za-z]{1,32}")) {
                err().println("tempfail: '" + queueId + "' is not a queue id");
                return 2;
            }
            AdminClient.Answer a = call("GET", "/api/queue/" + queueId, null);
            if (a.status() != 200) return failed(a);
            QueueView.Message m = Json.MAPPER.readValue(a.body(), QueueView.Message.class);
            if (json) out().println(Json.pretty(m));
            else QueueText.print(m, out());
            return 0;
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Print a message's stored bytes (as Postfix's postcat -bh).")
    static final class Cat extends Base {
        @Option(names = "--headers", description = "only the header section") boolean headers;
        @Parameters(paramLabel = "QUEUE_ID") String queueId;

        @Override
        public Integer call() throws Exception {
            if (!queueId.matches("[0-9A-Za-z]{1,32}")) {
                err().println("tempfail: '" + queueId + "' is not a queue id");
                return 2;
            }
            AdminClient.Answer a = call("GET", "/api/queue/" + queueId + "/content" + (headers ? "?headers=true" : ""), null);
            if (a.status() != 200) return failed(a);
            // through the command's writer (stdout, or a test's): messages are ASCII or UTF-8 as they came
            out().print(new String(a.body(), StandardCharsets.UTF_8));
            out().flush();
            return 0;
        }
    }

    /** An action on named messages, or with {@code ALL} / filters on a whole selection. */
    abstract static class Action extends Base {
        @Mixin Filters filters;
        @Option(names = "--json", description = "print the result as JSON") boolean json;
        @Parameters(paramLabel = "QUEUE_ID", arity = "0..*", description = "queue ids (ALL for every message)") List<String> ids = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            String action = spec.name(); // the subcommand's name is the admin API's action
            ObjectNode body = Json.MAPPER.createObjectNode();
            boolean all = ids.remove(ALL);
            if (!ids.isEmpty()) {
                ArrayNode a = body.putArray("ids");
                for (String id : ids) a.add(id);
            }
            filters.values().forEach(body::put);
            if (all) body.put("all", true);
            boolean everything = action.equals("flush"); // flush alone tries all waiting mail
            if (!everything && ids.isEmpty() && filters.values().isEmpty() && !all) {
                err().println("tempfail: queue " + action + " needs queue ids, filters (--state, --domain, ...), or ALL");
                return 2;
            }
            AdminClient.Answer a = call("POST", "/api/queue/" + action, Json.write(body));
            if (a.status() != 200) return failed(a);
            QueueView.ActionResult r = Json.MAPPER.readValue(a.body(), QueueView.ActionResult.class);
            if (json) out().println(Json.pretty(r));
            else QueueText.print(r, out());
            return 0;
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Try waiting mail now (all, or what the filters pick); held mail stays held, destination pauses still apply.")
    static final class Flush extends Action {}

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Try these messages now.")
    static final class Retry extends Action {}

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Hold recipients: never tried until released; their lifetime keeps running (as Postfix's postsuper -h).")
    static final class Hold extends Action {}

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release held recipients: due at once; past their lifetime, one more try, then they expire (postsuper -H).")
    static final class Release extends Action {}

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete recipients silently (postsuper -d); the message stays in the history.")
    static final class Delete extends Action {}

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Fail recipients now with 5.0.0 \"deleted by the operator\" and send the sender a report.")
    static final class Bounce extends Action {}

    static String query(Map<String, String> q) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> e : q.entrySet()) {
            if (s.length() > 0) s.append('&');
            s.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return s.toString();
    }
}
