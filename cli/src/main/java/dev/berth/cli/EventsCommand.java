package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.events.EventFilter;
import dev.berth.runtime.events.EventStream;
import dev.berth.runtime.events.EventTimes;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth events [--since T] [--until T] [-f KEY=VALUE] [--format TEMPLATE]}: the event log
 * of the state root, which the daemon serves as {@code GET /events}; printed as the docker CLI
 * prints it. Without {@code --until} it follows until interrupted.
 */
final class EventsCommand {
    static final Flags FLAGS = new Flags("berth events [OPTIONS]")
        .value(null, "since", "TIME", "Show events from then on (a duration before now like 10m, Unix seconds,"
            + " or an RFC 3339 time)")
        .value(null, "until", "TIME", "Stop at that time (same forms)")
        .value("f", "filter", "KEY=VALUE", "Filter: type, event, container, image, label, network, ... (repeatable)")
        .value(null, "format", "TEMPLATE", "Format with a Go template, or json for {{json .}}");

    private final Path root;

    EventsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth events\" accepts no arguments");
        }
        long now = Timestamps.nowNanos();
        long since;
        long until;
        EventFilter filter;
        try {
            since = cl.hasOption("since") ? EventTimes.parse(cl.getOptionValue("since"), now) : 0;
            until = cl.hasOption("until") ? EventTimes.parse(cl.getOptionValue("until"), now) : 0;
            Map<String, List<String>> filters = Filters.of(cl);
            if (filters == null) {
                return ExitCodes.USAGE;
            }
            filter = EventFilter.of(filters);
        } catch (IllegalArgumentException e) {
            return ExitCodes.usage(e.getMessage());
        }
        String format = cl.getOptionValue("format");
        GoTemplate template = null;
        if (format != null && !format.isEmpty() && !format.equals("json")) {
            try {
                template = GoTemplate.parse(format);
            } catch (TemplateException e) {
                return ExitCodes.usage("invalid --format: " + e.getMessage());
            }
        }
        boolean json = "json".equals(format);
        GoTemplate t = template;
        PrintStream out = System.out;
        EventStream.copy(Engines.open(root).events(), since, until, filter, (line, e) -> {
            if (json) {
                out.println(line);
            } else if (t != null) {
                try {
                    out.println(t.execute(e));
                } catch (TemplateException ex) {
                    System.err.println("berth: " + ex.getMessage());
                    return false;
                }
            } else {
                out.println(human(e));
            }
            out.flush();
            return !out.checkError();
        });
        return 0;
    }

    /** The docker CLI's line: time (nine digits), type, action, actor id, and (key=value, ...) sorted. */
    static String human(Map<String, Object> e) {
        StringBuilder sb = new StringBuilder();
        long nanos = e.get("timeNano") instanceof Number n ? n.longValue() : 0;
        sb.append(fixed(nanos)).append(' ').append(e.get("Type")).append(' ').append(e.get("Action"));
        Map<String, Object> actor = Json.map(e, "Actor");
        sb.append(' ').append(actor == null ? "" : actor.get("ID"));
        Map<String, Object> attrs = actor == null ? null : Json.map(actor, "Attributes");
        if (attrs != null && !attrs.isEmpty()) {
            List<String> kv = new ArrayList<>();
            new TreeMap<>(attrs).forEach((k, v) -> kv.add(k + "=" + v));
            sb.append(" (").append(String.join(", ", kv)).append(')');
        }
        return sb.toString();
    }

    /** RFC 3339 with exactly nine fraction digits (Go's RFC3339NanoFixed), in UTC. */
    static String fixed(long nanos) {
        String s = Timestamps.format(nanos - Math.floorMod(nanos, 1_000_000_000L));
        String frac = String.valueOf(1_000_000_000L + Math.floorMod(nanos, 1_000_000_000L)).substring(1);
        return s.substring(0, s.length() - 1) + "." + frac + "Z";
    }
}
