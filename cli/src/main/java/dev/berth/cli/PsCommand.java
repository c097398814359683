package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.engine.ContainerFilter;
import dev.berth.engine.EngineException;
import dev.berth.engine.HumanTime;
import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth ps [-a] [-q] [-f KEY=VALUE]... [--format table|json|TEMPLATE]} */
final class PsCommand {
    static final Flags FLAGS = new Flags("berth ps [OPTIONS]")
        .bool("a", "all", "Show all containers (default shows just running)")
        .bool("q", "quiet", "Only display container ids")
        .bool(null, "no-trunc", "Do not truncate output")
        .value("f", "filter", "KEY=VALUE", "Filter: id, name, label, status, exited, ancestor, network, before, since")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");

    private final Path root;

    PsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth ps\" accepts no arguments");
        }
        List<Map<String, Object>> containers = new ArrayList<>();
        try {
            String[] specs = cl.getOptionValues("filter");
            ContainerFilter filter = ContainerFilter.parse(specs == null ? List.of() : List.of(specs));
            List<Map<String, Object>> all = Engines.open(root).list(cl.hasOption("a") || filter.needsAll());
            for (Map<String, Object> c : all) {
                if (filter.matches(c, all)) {
                    containers.add(c);
                }
            }
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
        boolean noTrunc = cl.hasOption("no-trunc");
        StringBuilder out = new StringBuilder();
        String format = cl.getOptionValue("format", "table");
        if (cl.hasOption("q")) {
            for (Map<String, Object> c : containers) {
                out.append(row(c, noTrunc).get("ID")).append('\n');
            }
        } else if (format.equals("json")) {
            for (Map<String, Object> c : containers) {
                out.append(Output.compactJson(row(c, noTrunc))).append('\n');
            }
        } else if (format.equals("table")) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
            for (Map<String, Object> c : containers) {
                Map<String, Object> r = row(c, noTrunc);
                rows.add(new String[] {(String) r.get("ID"), (String) r.get("Image"), (String) r.get("Command"),
                    (String) r.get("RunningFor"), (String) r.get("Status"), (String) r.get("Ports"),
                    (String) r.get("Names")});
            }
            out.append(Output.table(rows));
        } else {
            GoTemplate t;
            try {
                t = GoTemplate.parse(format.startsWith("table ") ? format.substring(6) : format);
            } catch (TemplateException e) {
                return ExitCodes.usage(e.getMessage());
            }
            for (Map<String, Object> c : containers) {
                try {
                    out.append(t.execute(row(c, noTrunc))).append('\n');
                } catch (TemplateException e) {
                    System.err.println("berth: " + e.getMessage());
                    return ExitCodes.FAILURE;
                }
            }
        }
        System.out.print(out);
        return 0;
    }

    /** The fields docker's ps templates know: .ID .Image .Command .CreatedAt .RunningFor .Status .Ports .Names .Networks .State. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> row(Map<String, Object> c, boolean noTrunc) {
        Map<String, Object> st = (Map<String, Object>) c.get("State");
        Map<String, Object> cfg = (Map<String, Object>) c.get("Config");
        String id = (String) c.get("Id");
        List<Object> cmd = (List<Object>) cfg.get("Cmd");
        StringBuilder command = new StringBuilder();
        for (Object a : cmd) {
            command.append(command.isEmpty() ? "" : " ").append(a);
        }
        String cmdText = command.toString();
        if (!noTrunc && cmdText.length() > 20) {
            cmdText = cmdText.substring(0, 19) + "…";
        }
        String status = (String) st.get("Status");
        String human = HumanTime.status(st, Timestamps.nowNanos());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ID", noTrunc ? id : id.substring(0, 12));
        // docker's IMAGE column: the reference as given (Config.Image), not the image id
        Map<String, Object> config = (Map<String, Object>) c.get("Config");
        r.put("Image", config != null && config.get("Image") instanceof String ref ? ref : c.get("Image"));
        r.put("Command", "\"" + cmdText + "\"");
        r.put("CreatedAt", c.get("Created"));
        r.put("RunningFor", Output.human(Output.since((String) c.get("Created"))) + " ago");
        r.put("Status", human);
        r.put("State", status);
        r.put("Names", ((String) c.get("Name")).substring(1));
        r.put("Pid", st.get("Pid"));
        Map<String, Object> net = (Map<String, Object>) c.get("NetworkSettings");
        r.put("Ports", net == null ? "" : ports(net));
        Map<String, Object> networks = net == null ? null : (Map<String, Object>) net.get("Networks");
        r.put("Networks", networks == null ? "" : String.join(",", networks.keySet()));
        return r;
    }

    /** docker ps's PORTS: {@code 0.0.0.0:8080->80/tcp, 0.0.0.0:9090->53/udp}, by container port. */
    @SuppressWarnings("unchecked")
    static String ports(Map<String, Object> net) {
        Map<String, Object> ports = (Map<String, Object>) net.get("Ports");
        StringBuilder out = new StringBuilder();
        for (String key : PortCommand.sorted(ports)) {
            if (!(ports.get(key) instanceof List<?> bindings) || bindings.isEmpty()) {
                out.append(out.isEmpty() ? "" : ", ").append(key);
                continue;
            }
            for (Object b : bindings) {
                out.append(out.isEmpty() ? "" : ", ").append(PortCommand.hostAddress((Map<?, ?>) b)).append("->")
                    .append(key);
            }
        }
        return out.toString();
    }
}
