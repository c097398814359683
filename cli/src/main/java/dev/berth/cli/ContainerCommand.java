package dev.berth.cli;

import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Prune;
import dev.berth.engine.Top;
import dev.berth.linux.Signals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth container SUBCOMMAND}, docker's spellings of the container commands, and the
 * ones that live only here or are small: {@code restart}, {@code rename}, {@code top},
 * {@code container prune}.
 */
final class ContainerCommand {
    /** docker container's subcommands by the top-level berth command that does each. */
    static final Map<String, String> SUBCOMMANDS = subcommands();
    static final Flags RESTART = new Flags("berth restart [OPTIONS] CONTAINER...")
        .value("t", "time", "SECONDS", "Seconds to wait after the stop signal before SIGKILL (default 10; -1 waits)")
        .value("s", "signal", "SIGNAL", "Signal to stop it with (default: its stop signal, else SIGTERM)");
    static final Flags RENAME = new Flags("berth rename CONTAINER NEW_NAME").interspersed();
    static final Flags TOP = new Flags("berth top CONTAINER [ps OPTIONS]");
    static final Flags PRUNE = new Flags("berth container prune [OPTIONS]").interspersed()
        .bool("f", "force", "Do not prompt for confirmation")
        .value(null, "filter", "FILTER", "Only containers that match: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]");

    private final Path root;

    ContainerCommand(Path root) {
        this.root = root;
    }

    private static Map<String, String> subcommands() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : List.of("attach", "commit", "cp", "create", "diff", "exec", "export", "inspect", "kill", "logs",
            "pause", "port", "rename", "restart", "rm", "run", "start", "stats", "stop", "top", "unpause", "update",
            "wait")) {
            m.put(c, c);
        }
        m.put("ls", "ps");
        m.put("list", "ps");
        m.put("ps", "ps");
        m.put("remove", "rm");
        return m;
    }

    int group(String[] args) throws ParseException, IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? System.err : System.out).print("""
                Usage:  berth container COMMAND

                Manage containers, as docker container does: each command is also a top-level one
                (ls is berth ps).

                Commands:
                  attach, commit, cp, create, diff, exec, export, inspect, kill, logs, ls (list, ps),
                  pause, port, prune, rename, restart, rm (remove), run, start, stats, stop, top,
                  unpause, update, wait

                Run 'berth container COMMAND --help' for more information on a command.
                """);
            return args.length == 0 ? ExitCodes.USAGE : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (args[0].equals("prune")) {
            return prune(rest);
        }
        String command = SUBCOMMANDS.get(args[0]);
        if (command == null) {
            return Group.unknown("container", args[0]);
        }
        List<String> again = new ArrayList<>(List.of("--root", root.toString(), command));
        again.addAll(Arrays.asList(rest));
        return Main.run(again.toArray(new String[0]));
    }

    int restart(String[] args) throws ParseException, IOException {
        CommandLine cl = RESTART.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth restart\" requires at least 1 argument: a container");
        }
        int signal = -1;
        if (cl.hasOption("signal")) {
            try {
                signal = Signals.parse(cl.getOptionValue("signal"));
            } catch (IllegalArgumentException e) {
                return ExitCodes.usage(e.getMessage() + "; give a name like TERM or a number like 15");
            }
        }
        int timeout = Flags.intValue(cl, "time", 10);
        Engine engine = Engines.open(root);
        int code = 0;
        for (String ref : cl.getArgList()) {
            try {
                engine.restart(ref, timeout, signal).detach();
                System.out.println(ref);
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
            }
        }
        return code;
    }

    int rename(String[] args) throws ParseException, IOException {
        CommandLine cl = RENAME.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            return ExitCodes.usage("\"berth rename\" requires exactly 2 arguments: the container and its new name");
        }
        try {
            Engines.open(root).rename(cl.getArgList().get(0), cl.getArgList().get(1));
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    int top(String[] args) throws ParseException, IOException {
        // ps's options follow the container and are ps's own: only --help is ours
        if (args.length > 0 && args[0].startsWith("-")) {
            return TOP.parse(args) == null ? 0 : ExitCodes.usage("unknown flag: " + args[0]);
        }
        if (args.length == 0) {
            return ExitCodes.usage("\"berth top\" requires at least 1 argument: a container");
        }
        Top top;
        try {
            top = Engines.open(root).top(args[0], Arrays.asList(args).subList(1, args.length));
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        // docker's tabwriter: columns at least 20 wide, 3 spaces apart, the last one as it is
        List<List<String>> rows = new ArrayList<>();
        rows.add(top.titles());
        rows.addAll(top.processes());
        int[] width = new int[top.titles().size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size() - 1 && i < width.length; i++) {
                width[i] = Math.max(width[i], Math.max(20, r.get(i).length() + 3));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                sb.append(r.get(i));
                if (i < r.size() - 1) {
                    sb.append(" ".repeat(width[i] - r.get(i).length()));
                }
            }
            sb.append('\n');
        }
        System.out.print(sb);
        return 0;
    }

    int prune(String[] args) throws ParseException, IOException {
        CommandLine cl = PRUNE.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ExitCodes.usage("\"berth container prune\" accepts no arguments");
        }
        Map<String, List<String>> filters = Filters.of(cl);
        if (filters == null) {
            return ExitCodes.USAGE;
        }
        if (!cl.hasOption("force") && !Prompt.confirmed("WARNING! This will remove all stopped containers.\n")) {
            return 0;
        }
        Prune.Result r;
        try {
            r = Engines.open(root).prune(filters);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        StringBuilder out = new StringBuilder();
        if (!r.removed().isEmpty()) {
            out.append("Deleted Containers:\n");
            for (String id : r.removed()) {
                out.append(id).append('\n');
            }
            out.append('\n');
        }
        out.append("Total reclaimed space: ").append(Output.humanSize4(r.reclaimed())).append('\n');
        System.out.print(out);
        return 0;
    }
}
