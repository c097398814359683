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
          exec [-t] NAME COMMAND...  Run a command in it, with /etc/netns/NAME/* over /etc

        Examples:
          berth netns add blue && berth netns exec blue ip link
          berth netns identify $(pidof nginx)
        """;

    int run(String[] args) throws IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? ExitCodes.USAGE : 0;
        }
        Netns netns = new Netns();
        String cmd = args[0];
        List<String> rest = List.of(args).subList(1, args.length);
        try {
            switch (cmd) {
                case "list", "ls", "show" -> {
                    List<String> names = netns.list();
                    Map<String, Integer> ids = netns.ids();
                    if (rest.contains("--json")) {
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
                case "delete", "del", "rm" -> {
                    if (rest.isEmpty()) {
                        return ExitCodes.usage("\"berth netns delete\" requires at least 1 name");
                    }
                    for (String n : rest) {
                        netns.delete(n);
                    }
                    return 0;
                }
                case "identify" -> {
                    long pid = rest.isEmpty() ? ProcessHandle.current().pid() : isPid(rest.get(0))
                        ? Long.parseLong(rest.get(0)) : -1;
                    if (pid < 0) {
                        return ExitCodes.usage("\"berth netns identify\" takes a PID");
                    }
                    for (String n : netns.identify(pid)) {
                        System.out.println(n);
                    }
                    return 0;
                }
                case "pids" -> {
                    if (rest.size() != 1) {
                        return ExitCodes.usage("\"berth netns pids\" requires exactly 1 argument: a name");
                    }
                    for (int p : netns.pids(rest.get(0))) {
                        System.out.println(p);
                    }
                    return 0;
                }
                case "exec" -> {
                    boolean tty = !rest.isEmpty() && rest.get(0).equals("-t");
                    List<String> r = tty ? rest.subList(1, rest.size()) : rest;
                    if (r.size() < 2) {
                        return ExitCodes.usage("\"berth netns exec\" requires a name and a command");
                    }
                    ExecRequest req = ExecRequest.of(r.subList(1, r.size())).tty(tty).stdin(true);
                    if (tty && Terminal.isTerminal()) {
                        int[] size = Terminal.size();
                        req.terminalSize(size[0], size[1]);
                    }
                    Attachment a = netns.exec(r.get(0), req);
                    return Streams.attach(a, true, tty);
                }
                default -> {
                    return ExitCodes.usage("'" + cmd + "' is not a berth netns command.\nSee 'berth netns --help'.");
                }
            }
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
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
