package dev.berth.cli;

import static dev.berth.cli.Flags.values;

import dev.berth.cli.template.TemplateException;
import dev.berth.engine.EngineException;
import dev.berth.engine.Volumes;
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

/** {@code berth volume}: docker's volume commands over the engine's named volumes (local driver). */
final class VolumeCommand {
    static final String USAGE = """
        Usage:  berth volume COMMAND

        Named volumes: directories under the state root that outlive containers, mounted with
        -v NAME:PATH or --mount type=volume,src=NAME,dst=PATH.

        Commands:
          create      Create a volume
          ls          List volumes
          inspect     Display detailed information on one or more volumes
          rm          Remove one or more volumes
          prune       Remove unused anonymous volumes (all unused ones with -a)

        Run 'berth volume COMMAND --help' for more information on a command.
        """;

    static final Flags CREATE = new Flags("berth volume create [OPTIONS] [VOLUME]").interspersed()
        .value(null, "name", "NAME", "Specify volume name")
        .value("d", "driver", "DRIVER", "Specify volume driver name (local, the only one)")
        .value(null, "label", "KEY=VALUE", "Set metadata for a volume (repeatable)")
        .value("o", "opt", "KEY=VALUE", "Driver options: type=tmpfs|none, device=PATH, o=MOUNT_OPTIONS (repeatable)");
    static final Flags LS = new Flags("berth volume ls [OPTIONS]").interspersed()
        .bool("q", "quiet", "Only display volume names")
        .value("f", "filter", "KEY=VALUE", "Filter: name=, driver=, label=KEY[=VALUE], dangling=true|false")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");
    static final Flags INSPECT = new Flags("berth volume inspect [-f TEMPLATE] VOLUME...").interspersed()
        .value("f", "format", "TEMPLATE", "Format the output with a Go template");
    static final Flags RM = new Flags("berth volume rm [-f] VOLUME...").interspersed()
        .bool("f", "force", "Do not fail on volumes that do not exist");
    static final Flags PRUNE = new Flags("berth volume prune [OPTIONS]").interspersed()
        .bool("a", "all", "Remove all unused volumes, not just anonymous ones")
        .bool("f", "force", "Do not prompt for confirmation")
        .value(null, "filter", "KEY=VALUE", "Filter: label=KEY[=VALUE], label!=KEY[=VALUE]");

    private final Path root;

    VolumeCommand(Path root) {
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
                default -> Group.unknown("volume", args[0]);
            };
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    private Volumes volumes() throws IOException, EngineException {
        return Engines.open(root).volumes();
    }

    private int create(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = CREATE.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> rest = cl.getArgList();
        String name = cl.getOptionValue("name");
        if (rest.size() > 1 || rest.size() == 1 && name != null && !name.equals(rest.get(0))) {
            return ExitCodes.usage("\"berth volume create\" takes at most one name (as an argument or --name)");
        }
        if (rest.size() == 1) {
            name = rest.get(0);
        }
        Map<String, String> labels = pairs(values(cl, "label"), "--label");
        Map<String, String> opts = pairs(values(cl, "opt"), "--opt");
        if (labels == null || opts == null) {
            return ExitCodes.USAGE;
        }
        Map<String, Object> v = volumes().create(name, cl.getOptionValue("driver"), labels, opts);
        System.out.println(v.get("Name"));
        return 0;
    }

    /** KEY=VALUE pairs (a KEY alone is KEY=""); null after reporting one without a key. */
    private static Map<String, String> pairs(List<String> values, String flag) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : values) {
            int eq = l.indexOf('=');
            if (eq == 0 || l.isEmpty()) {
                ExitCodes.usage("invalid " + flag + " \"" + l + "\": use KEY=VALUE");
                return null;
            }
            out.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        return out;
    }

    private int ls(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = LS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth volume ls\" accepts no arguments; filter with -f name=NAME");
        }
        Map<String, List<String>> filters = Filters.of(cl);
        if (filters == null) {
            return ExitCodes.USAGE;
        }
        Volumes volumes = volumes();
        volumes.sweep();
        Map<String, List<String>> users = volumes.users();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> v : volumes.list()) {
            if (Volumes.matches(v, filters, users)) {
                rows.add(row(v));
            }
        }
        StringBuilder out = new StringBuilder();
        if (cl.hasOption("quiet")) {
            rows.forEach(r -> out.append(r.get("Name")).append('\n'));
            System.out.print(out);
            return 0;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Name", "VOLUME NAME");
        headers.put("Driver", "DRIVER");
        headers.put("Scope", "SCOPE");
        headers.put("Mountpoint", "MOUNTPOINT");
        headers.put("Labels", "LABELS");
        headers.put("Links", "LINKS");
        headers.put("Size", "SIZE");
        try {
            System.out.print(ListFormat.render(cl.getOptionValue("format"), "table {{.Driver}}\t{{.Name}}", headers, rows));
        } catch (TemplateException e) {
            return ExitCodes.usage(e.getMessage());
        }
        return 0;
    }

    /** The fields docker's volume ls templates know. */
    private static Map<String, Object> row(Map<String, Object> v) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("Name", v.get("Name"));
        r.put("Driver", v.get("Driver"));
        r.put("Scope", v.get("Scope"));
        r.put("Mountpoint", v.get("Mountpoint"));
        StringBuilder labels = new StringBuilder();
        Map<String, Object> l = Json.map(v, "Labels");
        if (l != null) {
            l.forEach((k, val) -> labels.append(labels.isEmpty() ? "" : ",").append(k).append('=').append(val));
        }
        r.put("Labels", labels.toString());
        r.put("Links", "N/A");
        r.put("Size", "N/A");
        return r;
    }

    private int inspect(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = INSPECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth volume inspect\" requires at least 1 argument: a volume");
        }
        return InspectCommand.print(cl.getArgList(), cl.getOptionValue("format"), volumes()::inspect);
    }

    private int rm(String[] args) throws ParseException, IOException, EngineException {
        CommandLine cl = RM.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth volume rm\" requires at least 1 argument: a volume");
        }
        Volumes volumes = volumes();
        volumes.sweep();
        int code = 0;
        for (String name : cl.getArgList()) {
            try {
                volumes.remove(name, cl.hasOption("force"));
                System.out.println(name);
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
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth volume prune\" accepts no arguments");
        }
        Map<String, List<String>> filters = Filters.of(cl);
        if (filters == null) {
            return ExitCodes.USAGE;
        }
        boolean all = cl.hasOption("all");
        if (!cl.hasOption("force") && !Prompt.confirmed(all
            ? "WARNING! This will remove all local volumes not used by at least one container.\n"
            : "WARNING! This will remove anonymous local volumes not used by at least one container.\n")) {
            return 0;
        }
        Volumes volumes = volumes();
        volumes.sweep();
        Volumes.Pruned p = volumes.prune(all, filters);
        StringBuilder out = new StringBuilder();
        if (!p.names().isEmpty()) {
            out.append("Deleted Volumes:\n");
            p.names().forEach(n -> out.append(n).append('\n'));
            out.append('\n');
        }
        out.append("Total reclaimed space: ").append(Output.humanSize4(p.bytes())).append('\n');
        System.out.print(out);
        return 0;
    }

    /** The subcommands' flags, for {@link Completion}. */
    static Map<String, List<String>> completions() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("create", CREATE.words());
        m.put("ls", LS.words());
        m.put("inspect", INSPECT.words());
        m.put("rm", RM.words());
        m.put("prune", PRUNE.words());
        return m;
    }

    /** The bash case of {@code berth volume}; volume names complete where one is named. */
    static void completion(StringBuilder sb, Map<String, List<String>> sub) {
        sb.append("        volume)\n");
        sb.append("            case $sub in\n");
        sb.append("                \"\") words=\"").append(String.join(" ", sub.keySet())).append(" --help\" ;;\n");
        for (Map.Entry<String, List<String>> e : sub.entrySet()) {
            boolean names = e.getKey().equals("inspect") || e.getKey().equals("rm");
            sb.append("                ").append(e.getKey()).append(") words=\"").append(String.join(" ", e.getValue()))
                .append(names ? "\"; [[ $cur != -* ]] && words=\"$words $(berth volume ls -q 2>/dev/null)\"" : "\"")
                .append(" ;;\n");
        }
        sb.append("            esac ;;\n");
    }
}
