package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.EngineException;
import dev.berth.engine.ExecRequest;
import dev.berth.engine.Netns;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth netns}: named network namespaces, interoperable with {@code ip netns}. */
final class NetnsCommand {
    static final String USAGE = """
        Usage:  berth netns COMMAND

        Named network namespaces in iproute2's files (/run/netns/NAME, /etc/netns/NAME/):
        ip netns sees what berth makes, and berth sees what ip netns makes.

        Commands:
          list [--json]              The named network namespaces
          add NAME                   Create a network namespace and name it
          attach NAME PID            Name the network namespace of a running process
          set NAME ID                Give it an id in berth's network namespace (netnsid)
          delete NAME...             Remove the names (a namespace lives on while processes use it)
          identify [PID]             The names of a process's network namespace (default: berth's)
          pids NAME                  The processes in a named network namespace
          exec NAME COMMAND...       Run a command in it, with /etc/netns/NAME/* over /etc

        Run 'berth netns COMMAND --help' for a command's options, examples and exit status.

        Examples:
          berth netns add blue && berth netns exec blue ip link
          berth netns identify $(pidof nginx)
        """;

    static final Flags LIST = new Flags("berth netns list [--json]")
        .bool(null, "json", "Print JSON: [{\"name\": NAME, \"id\": NETNSID}]")
        .footer("""
            The names in /run/netns, with the id each has in berth's network namespace (ip netns set),
            as ip netns list prints them.

            Examples:
              berth netns list
              berth netns list --json | jq -r '.[].name'
            """);
    static final Flags ADD = new Flags("berth netns add NAME")
        .footer("""
            Creates a network namespace (only lo, down) and keeps it at /run/netns/NAME.
            Exit status 1 when NAME exists; nothing is left behind by a failure.

            Examples:
              berth netns add blue && ip netns exec blue ip link
            """);
    static final Flags ATTACH = new Flags("berth netns attach NAME PID")
        .footer("""
            Names the network namespace of a running process: /run/netns/NAME (ip netns attach).

            Examples:
              berth netns attach web $(berth inspect -f '{{.State.Pid}}' web)
            """);
    static final Flags SET = new Flags("berth netns set NAME ID")
        .footer("""
            Gives the named namespace the id ID in berth's network namespace (ip netns set),
            shown by list and by ip netns list as (id: ID).

            Examples:
              berth netns set blue 7
            """);
    static final Flags DELETE = new Flags("berth netns delete NAME...")
        .footer("""
            Unmounts and removes /run/netns/NAME; the namespace itself lives on while processes
            are in it. Stops at the first name that does not exist (exit status 1).

            Examples:
              berth netns delete blue red
            """);
    static final Flags IDENTIFY = new Flags("berth netns identify [--json] [PID]")
        .bool(null, "json", "Print JSON: [NAME...]")
        .footer("""
            The names whose namespace is the network namespace of PID (default: berth's own),
            one a line; nothing when it has none.

            Examples:
              berth netns identify $(pidof nginx)
            """);
    static final Flags PIDS = new Flags("berth netns pids [--json] NAME")
        .bool(null, "json", "Print JSON: [PID...]")
        .footer("""
            The processes in the named network namespace, one PID a line.

            Examples:
              berth netns pids blue | xargs -r ps -o pid,comm -p
            """);
    static final Flags EXEC = new Flags("berth netns exec [--tty] NAME COMMAND [ARG...]")
        .bool("t", "tty", "Allocate a terminal (the default when stdin and stdout are one)")
        .bool(null, "no-tty", "Do not allocate a terminal")
        .footer("""
            Runs COMMAND in the named network namespace, as ip netns exec does: in a mount
            namespace of its own with /sys mounted for that network namespace and each file of
            /etc/netns/NAME/ bound over the same file in /etc. Exit status: the command's own,
            125 when berth fails (no such name), 126/127 when the command cannot run / is not found.

            Examples:
              berth netns exec blue ip addr
              berth netns exec blue cat /etc/resolv.conf
            """);

    /** Every subcommand's flags, for --help and shell completion. */
    static final Map<String, Flags> COMMANDS = commands();

    private static Map<String, Flags> commands() {
        Map<String, Flags> m = new LinkedHashMap<>();
        m.put("list", LIST);
        m.put("add", ADD);
        m.put("attach", ATTACH);
        m.put("set", SET);
        m.put("delete", DELETE);
        m.put("identify", IDENTIFY);
        m.put("pids", PIDS);
        m.put("exec", EXEC);
        return m;
    }

    int run(String[] args) throws IOException, ParseException {
        if (Group.wantsUsage(args)) {
            return Group.usage(args, USAGE);
        }
        String cmd = switch (args[0]) {
            case "ls", "show" -> "list";
            case "del", "rm" -> "delete";
            default -> args[0];
        };
        Flags flags = COMMANDS.get(cmd);
        if (flags == null) {
            return Group.unknown("netns", args[0]);
        }
        CommandLine cl = flags.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
        if (cl == null) {
            return 0;
        }
        List<String> rest = cl.getArgList();
        boolean json = cl.hasOption("json");
        Netns netns = new Netns();
        try {
            switch (cmd) {
                case "list" -> {
                    if (!rest.isEmpty()) {
                        return ExitCodes.usage("\"berth netns list\" takes no arguments");
                    }
                    List<String> names = netns.list();
                    Map<String, Integer> ids = netns.ids();
                    if (json) {
                        List<Object> out = new ArrayList<>();
                        for (String n : names) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("name", n);
                            if (ids.containsKey(n)) {
                                m.put("id", ids.get(n));
                            }
                            out.add(m);
                        }
                        System.out.println(Json.compact(out));
                    } else {
                        for (String n : names) { // as ip netns list prints them
                            System.out.println(ids.containsKey(n) ? n + " (id: " + ids.get(n) + ")" : n);
                        }
                    }
                    return 0;
                }
                case "add" -> {
                    if (rest.size() != 1) {
                        return ExitCodes.usage("\"berth netns add\" requires exactly 1 argument: a name");
                    }
                    netns.add(rest.get(0), 0);
                    return 0;
                }
                case "attach" -> {
                    if (rest.size() != 2 || !isPid(rest.get(1))) {
                        return ExitCodes.usage("\"berth netns attach\" requires a name and a PID");
                    }
                    netns.add(rest.get(0), Long.parseLong(rest.get(1)));
                    return 0;
                }
                case "set" -> {
                    if (rest.size() != 2 || !isPid(rest.get(1))) {
                        return ExitCodes.usage("\"berth netns set\" requires a name and a numeric id");
                    }
                    netns.setId(rest.get(0), Integer.parseInt(rest.get(1)));
                    return 0;
                }
                case "delete" -> {
                    if (rest.isEmpty()) {
                        return ExitCodes.usage("\"berth netns delete\" requires at least 1 name");
                    }
                    for (String n : rest) {
                        netns.delete(n);
                    }
                    return 0;
                }
                case "identify" -> {
                    if (rest.size() > 1 || (rest.size() == 1 && !isPid(rest.get(0)))) {
                        return ExitCodes.usage("\"berth netns identify\" takes one PID (default: berth's own)");
                    }
                    long pid = rest.isEmpty() ? ProcessHandle.current().pid() : Long.parseLong(rest.get(0));
                    print(netns.identify(pid), json);
                    return 0;
                }
                case "pids" -> {
                    if (rest.size() != 1) {
                        return ExitCodes.usage("\"berth netns pids\" requires exactly 1 argument: a name");
                    }
                    print(netns.pids(rest.get(0)), json);
                    return 0;
                }
                default -> { // exec
                    if (rest.size() < 2) {
                        return ExitCodes.usage("\"berth netns exec\" requires a name and a command");
                    }
                    boolean tty = cl.hasOption("tty") || (!cl.hasOption("no-tty") && Terminal.isTerminal());
                    ExecRequest req = ExecRequest.of(rest.subList(1, rest.size())).tty(tty).stdin(true);
                    if (tty && Terminal.isTerminal()) {
                        int[] size = Terminal.size();
                        req.terminalSize(size[0], size[1]);
                    }
                    Attachment a = netns.exec(rest.get(0), req);
                    return Streams.attach(a, true, tty);
                }
            }
        } catch (EngineException e) {
            return ExitCodes.report(e, cmd.equals("exec") ? ExitCodes.ENGINE : ExitCodes.FAILURE);
        }
    }

    private static void print(List<?> items, boolean json) {
        if (json) {
            System.out.println(Json.compact(new ArrayList<Object>(items)));
            return;
        }
        for (Object o : items) {
            System.out.println(o);
        }
    }

    private static boolean isPid(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
