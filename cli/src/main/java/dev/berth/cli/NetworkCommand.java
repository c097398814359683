package dev.berth.cli;

import static dev.berth.cli.Flags.values;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.engine.EngineException;
import dev.berth.engine.NetworkAdmin;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth network}: docker's network commands over berth's bridge networks. */
final class NetworkCommand {
    static final String USAGE = """
        Usage:  berth network COMMAND

        Bridge networks: containers on one reach each other by address and, on a network of
        berth network create, by name; networks do not reach each other.

        Commands:
          create      Create a network
          ls          List networks
          inspect     Display detailed information on one or more networks
          rm          Remove one or more networks
          prune       Remove all networks no running container uses
          connect     Connect a running container to a network
          disconnect  Disconnect a container from a network
          reload      Put back bridges and firewall rules of running containers (after a firewall reload)

        Run 'berth network COMMAND --help' for more information on a command.
        """;

    static final Flags CREATE = new Flags("berth network create [OPTIONS] NETWORK").interspersed()
        .value("d", "driver", "DRIVER", "Driver to manage the network (bridge, the only one)")
        .value(null, "subnet", "CIDR", "Subnet, e.g. 10.42.0.0/24 or fd00:42::/64, one per family (default: a free one)")
        .value(null, "gateway", "ADDRESS", "Gateway of the subnet of its family (default: its first address)")
        .bool(null, "ipv6", "Enable IPv6 (dual-stack; an IPv6 subnet is picked from a ULA /48 unless given)")
        .bool(null, "internal", "Restrict external access to the network")
        .value(null, "label", "KEY=VALUE", "Set metadata on a network (repeatable)");
    static final Flags LS = new Flags("berth network ls [OPTIONS]").interspersed()
        .bool("q", "quiet", "Only display network IDs")
        .bool(null, "no-trunc", "Do not truncate the output")
        .value("f", "filter", "KEY=VALUE", "Filter: name=, id=, driver=, label=KEY[=VALUE], type=custom|builtin")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");
    static final Flags INSPECT = new Flags("berth network inspect [-f TEMPLATE] NETWORK...").interspersed()
        .value("f", "format", "TEMPLATE", "Format the output with a Go template");
    static final Flags CONNECT = new Flags("berth network connect [OPTIONS] NETWORK CONTAINER").interspersed()
        .value(null, "ip", "ADDRESS", "IPv4 address on the network")
        .value(null, "ip6", "ADDRESS", "IPv6 address on the network (one made with --ipv6)")
        .value(null, "alias", "NAME", "Add a network-scoped alias for the container (repeatable)");
    static final Flags DISCONNECT = new Flags("berth network disconnect [OPTIONS] NETWORK CONTAINER").interspersed()
        .bool("f", "force", "Force the container to disconnect from a network (also a stopped one)");
    static final Flags PRUNE = new Flags("berth network prune [OPTIONS]").interspersed()
        .bool("f", "force", "Do not prompt for confirmation");
    static final Flags RM = new Flags("berth network rm NETWORK...").interspersed();
    static final Flags RELOAD = new Flags("berth network reload [--all | CONTAINER...]").interspersed()
        .bool("a", "all", "Every running container");

    private final Path root;

    NetworkCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        if (Group.wantsUsage(args)) {
            return Group.usage(args, USAGE);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "create" -> create(rest);
                case "ls", "list" -> ls(rest);
                case "inspect" -> inspect(rest);
                case "rm", "remove" -> rm(rest);
                case "prune" -> prune(rest);
                case "connect" -> connect(rest);
                case "disconnect" -> disconnect(rest);
                case "reload" -> reload(rest);
                default -> Group.unknown("network", args[0]);
            };
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    private NetworkAdmin admin() throws IOException {
        return Engines.open(root).networks();
    }

    private int create(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = CREATE.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ExitCodes.usage("\"berth network create\" requires exactly 1 argument: a network name");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String l : values(cl, "label")) {
            int eq = l.indexOf('=');
            labels.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        Map<String, Object> n = admin().create(cl.getArgList().get(0), cl.getOptionValue("driver"),
            values(cl, "subnet"), values(cl, "gateway"), cl.hasOption("ipv6"), cl.hasOption("internal"), labels);
        System.out.println(n.get("Id"));
        return 0;
    }

    private int ls(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = LS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth network ls\" accepts no arguments; filter with -f name=NAME");
        }
        List<String[]> filters = new ArrayList<>();
        for (String f : values(cl, "filter")) {
            int eq = f.indexOf('=');
            String key = eq < 0 ? f : f.substring(0, eq);
            if (eq < 0 || !List.of("name", "id", "driver", "label", "type").contains(key)) {
                return ExitCodes.usage("invalid filter '" + f + "': use name=, id=, driver=, label= or type=");
            }
            filters.add(new String[] {key, f.substring(eq + 1)});
        }
        boolean noTrunc = cl.hasOption("no-trunc");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> n : admin().list()) {
            if (matches(n, filters)) {
                rows.add(row(n, noTrunc));
            }
        }
        String format = cl.getOptionValue("format", "table");
        StringBuilder out = new StringBuilder();
        if (cl.hasOption("quiet")) {
            rows.forEach(r -> out.append(r.get("ID")).append('\n'));
        } else if (format.equals("json")) {
            rows.forEach(r -> out.append(Output.compactJson(r)).append('\n'));
        } else if (format.equals("table")) {
            List<String[]> table = new ArrayList<>();
            table.add(new String[] {"NETWORK ID", "NAME", "DRIVER", "SCOPE"});
            for (Map<String, Object> r : rows) {
                table.add(new String[] {(String) r.get("ID"), (String) r.get("Name"), (String) r.get("Driver"),
                    (String) r.get("Scope")});
            }
            out.append(Output.table(table));
        } else {
            try {
                GoTemplate t = GoTemplate.parse(format.startsWith("table ") ? format.substring(6) : format);
                for (Map<String, Object> r : rows) {
                    out.append(t.execute(r)).append('\n');
                }
            } catch (TemplateException e) {
                return ExitCodes.usage(e.getMessage());
            }
        }
        System.out.print(out);
        return 0;
    }

    /** The fields docker's network ls templates know. */
    private static Map<String, Object> row(Map<String, Object> n, boolean noTrunc) {
        String id = (String) n.get("Id");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ID", noTrunc ? id : id.substring(0, 12));
        r.put("Name", n.get("Name"));
        r.put("Driver", n.get("Driver"));
        r.put("Scope", n.get("Scope"));
        r.put("IPv6", String.valueOf(n.get("EnableIPv6")));
        r.put("Internal", String.valueOf(n.get("Internal")));
        r.put("CreatedAt", n.get("Created"));
        StringBuilder labels = new StringBuilder();
        Map<String, Object> l = Json.map(n, "Labels");
        if (l != null) {
            l.forEach((k, v) -> labels.append(labels.isEmpty() ? "" : ",").append(k).append('=').append(v));
        }
        r.put("Labels", labels.toString());
        return r;
    }

    /** docker's filters: name and id match a part (id: a prefix), labels KEY or KEY=VALUE. */
    private static boolean matches(Map<String, Object> n, List<String[]> filters) {
        for (String[] f : filters) {
            boolean ok = switch (f[0]) {
                case "name" -> ((String) n.get("Name")).contains(f[1]);
                case "id" -> ((String) n.get("Id")).startsWith(f[1]);
                case "driver" -> n.get("Driver").equals(f[1]);
                case "type" -> f[1].equals(isBuiltin(n) ? "builtin" : "custom");
                default -> {
                    Map<String, Object> labels = Json.map(n, "Labels");
                    int eq = f[1].indexOf('=');
                    String key = eq < 0 ? f[1] : f[1].substring(0, eq);
                    yield labels != null && labels.containsKey(key)
                        && (eq < 0 || labels.get(key).equals(f[1].substring(eq + 1)));
                }
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBuiltin(Map<String, Object> n) {
        return n.get("Name").equals("bridge");
    }

    private int inspect(String[] args) throws ParseException, IOException {
        CommandLine cl = INSPECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth network inspect\" requires at least 1 argument: a network");
        }
        return InspectCommand.print(cl.getArgList(), cl.getOptionValue("format"), admin()::inspect);
    }

    private int rm(String[] args) throws ParseException, IOException {
        CommandLine cl = RM.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth network rm\" requires at least 1 argument: a network");
        }
        NetworkAdmin admin = admin();
        int code = 0;
        for (String ref : cl.getArgList()) {
            try {
                admin.remove(ref);
                System.out.println(ref);
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
            }
        }
        return code;
    }

    private int prune(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = PRUNE.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.hasOption("force")
            && !Prompt.confirmed("WARNING! This will remove all custom networks not used by at least one running container.\n")) {
            return 0;
        }
        List<String> removed = admin().prune();
        if (!removed.isEmpty()) {
            System.out.println("Deleted Networks:");
            removed.forEach(System.out::println);
        }
        return 0;
    }

    private int connect(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = CONNECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            return ExitCodes.usage("\"berth network connect\" requires exactly 2 arguments: a network and a container");
        }
        admin().connect(cl.getArgList().get(0), cl.getArgList().get(1), cl.getOptionValue("ip"),
            cl.getOptionValue("ip6"), values(cl, "alias"));
        return 0;
    }

    private int disconnect(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = DISCONNECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            return ExitCodes.usage("\"berth network disconnect\" requires exactly 2 arguments: a network and a container");
        }
        admin().disconnect(cl.getArgList().get(0), cl.getArgList().get(1), cl.hasOption("force"));
        return 0;
    }

    private int reload(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = RELOAD.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.hasOption("all") == !cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth network reload\" takes either --all or containers");
        }
        for (String id : admin().reload(cl.getArgList())) {
            System.out.println(id);
        }
        return 0;
    }
}
