package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.ExecRequest;
import dev.berth.engine.NamespaceView.Namespace;
import dev.berth.engine.NamespaceView;
import dev.berth.linux.Namespaces;
import dev.berth.linux.NsKind;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth ns ls|tree|inspect|diff|enter|limits}: namespaces, seen and entered. */
final class NsCommand {
    static final String USAGE = """
        Usage:  berth ns COMMAND

        Look at and enter Linux namespaces (all eight kinds), berth's containers or not.

        Commands:
          ls       List every namespace on the host (like lsns, plus bind mounts, fds, containers)
          tree     The user namespace hierarchy, every namespace under its owner (--dot: Graphviz)
          inspect  The namespaces of a process or container, and which it shares with the host
          diff     Which namespaces two processes or containers share
          enter    Run a command in the namespaces of a process, container or file (like nsenter)
          unshare  Run a command in new namespaces (like unshare --fork), --persist keeps them
          limits   /proc/sys/user/max_*_namespaces next to how many exist now

        Examples:
          berth ns ls -t net
          berth ns tree --dot | dot -Tsvg > ns.svg
          berth ns diff web 1
          berth ns enter --net --uts web ip addr
          berth ns unshare --net --uts --persist /run/keep sleep 1 && berth ns enter /run/keep/net ip link
        """;

    static final Flags LS = new Flags("berth ns ls [-t TYPE] [--json] [--fds]")
        .value("t", "type", "TYPE", "Only namespaces of this kind: user, mnt, pid, net, uts, ipc, cgroup, time")
        .bool(null, "json", "Print JSON")
        .bool(null, "fds", "Also find namespaces held only by open file descriptors (reads every process's fds)");
    static final Flags TREE = new Flags("berth ns tree [--json|--dot]")
        .bool(null, "json", "Print JSON")
        .bool(null, "dot", "Print a Graphviz digraph");
    static final Flags INSPECT = new Flags("berth ns inspect [--json] PID|CONTAINER")
        .bool(null, "json", "Print JSON");
    static final Flags DIFF = new Flags("berth ns diff [--json] PID|CONTAINER PID|CONTAINER")
        .bool(null, "json", "Print JSON");
    static final Flags LIMITS = new Flags("berth ns limits [--json]")
        .bool(null, "json", "Print JSON");
    static final Flags ENTER = new Flags("berth ns enter [OPTIONS] PID|CONTAINER|FILE [COMMAND [ARG...]]")
        .bool("a", "all", "Enter every namespace of the target (the default when no kind is given)")
        .bool("U", "user", "Enter the user namespace")
        .bool("m", "mount", "Enter the mount namespace")
        .bool("p", "pid", "Enter the PID namespace")
        .bool("n", "net", "Enter the network namespace")
        .bool("u", "uts", "Enter the UTS namespace")
        .bool("i", "ipc", "Enter the IPC namespace")
        .bool("C", "cgroup", "Enter the cgroup namespace")
        .bool("T", "time", "Enter the time namespace")
        .bool("t", "tty", "Allocate a terminal")
        .bool(null, "interactive", "Keep stdin open (the default unless -d)")
        .value("w", "wd", "DIR", "Working directory (default /)")
        .value("e", "env", "NAME=VALUE", "Set an environment variable (repeatable)");

    static final Flags UNSHARE = new Flags("berth ns unshare [OPTIONS] [COMMAND [ARG...]]")
        .bool("U", "user", "New user namespace")
        .bool("m", "mount", "New mount namespace")
        .bool("p", "pid", "New PID namespace (the command is its PID 1)")
        .bool("n", "net", "New network namespace")
        .bool("u", "uts", "New UTS namespace")
        .bool("i", "ipc", "New IPC namespace")
        .bool("C", "cgroup", "New cgroup namespace")
        .bool("T", "time", "New time namespace")
        .bool("f", "fork", "Fork before running the command (always: accepted for unshare(1) compatibility)")
        .bool(null, "mount-proc", "Mount a fresh /proc (implies --mount; with --pid it shows only the new namespace)")
        .bool("r", "map-root-user", "Map root in the new user namespace to the current user")
        .value(null, "persist", "DIR", "Keep each new namespace alive at DIR/KIND (a bind mount, as unshare --net=FILE)")
        .bool("t", "tty", "Allocate a terminal")
        .value("w", "wd", "DIR", "Working directory (default: the current one)");

    private final Path root;

    NsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? ExitCodes.USAGE : 0;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "ls", "list" -> ls(rest);
                case "tree" -> tree(rest);
                case "inspect" -> inspect(rest);
                case "diff" -> diff(rest);
                case "enter" -> enter(rest);
                case "limits" -> limits(rest);
                case "unshare" -> unshare(rest);
                default -> ExitCodes.usage("'" + args[0] + "' is not a berth ns command.\nSee 'berth ns --help'.");
            };
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    private int ls(String[] args) throws ParseException, EngineException {
        CommandLine cl = LS.parse(args);
        if (cl == null) {
            return 0;
        }
        NsKind only = null;
        if (cl.hasOption("type")) {
            only = kind(cl.getOptionValue("type"));
            if (only == null) {
                return ExitCodes.usage("unknown namespace type \"" + cl.getOptionValue("type")
                    + "\": use user, mnt, pid, net, uts, ipc, cgroup or time");
            }
        }
        NamespaceView view = NamespaceView.scan(engine(), cl.hasOption("fds"));
        List<Namespace> list = new ArrayList<>();
        for (Namespace n : view.all()) {
            if ((only == null || n.kind() == only) && (n.nprocs() > 0 || !n.holders().isEmpty())) {
                list.add(n);
            }
        }
        list.sort((a, b) -> Long.compare(a.inode(), b.inode()));
        if (cl.hasOption("json")) {
            List<Object> out = new ArrayList<>();
            for (Namespace n : list) {
                out.add(json(n));
            }
            System.out.println(Json.pretty(Map.of("namespaces", out)));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NS", "TYPE", "NPROCS", "PID", "USER", "USERNS", "OWNER", "CONTAINER", "COMMAND"});
        for (Namespace n : list) {
            Namespace owner = view.get(n.owner());
            int ownerUid = n.kind() == NsKind.USER ? n.ownerUid() : owner == null ? -1 : owner.ownerUid();
            String command = n.nprocs() > 0 ? n.command() : "[" + String.join(", ", n.holders()) + "]";
            rows.add(new String[] {Long.toString(n.inode()), n.kind().procName(), Integer.toString(n.nprocs()),
                n.pid() > 0 ? Long.toString(n.pid()) : "-", n.user().isEmpty() ? "-" : n.user(),
                n.owner() > 0 ? Long.toString(n.owner()) : "-", ownerUid >= 0 ? Integer.toString(ownerUid) : "-",
                n.container().isEmpty() ? "-" : n.container(), command});
        }
        System.out.print(Output.table(rows));
        return 0;
    }

    private static Map<String, Object> json(Namespace n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ns", n.inode());
        m.put("type", n.kind().procName());
        m.put("nprocs", n.nprocs());
        m.put("pid", n.pid() > 0 ? n.pid() : null);
        m.put("user", n.user().isEmpty() ? null : n.user());
        m.put("uid", n.uid() >= 0 ? n.uid() : null);
        m.put("command", n.command().isEmpty() ? null : n.command());
        m.put("userns", n.owner() > 0 ? n.owner() : null);
        m.put("parent", n.parent() > 0 ? n.parent() : null);
        m.put("ownerUid", n.ownerUid() >= 0 ? n.ownerUid() : null);
        m.put("container", n.container().isEmpty() ? null : n.container());
        m.put("holders", n.holders());
        return m;
    }

    private int tree(String[] args) throws ParseException, EngineException {
        CommandLine cl = TREE.parse(args);
        if (cl == null) {
            return 0;
        }
        NamespaceView view = NamespaceView.scan(engine(), false);
        NsTree tree = new NsTree(view);
        if (cl.hasOption("dot")) {
            System.out.print(tree.dot());
        } else if (cl.hasOption("json")) {
            System.out.println(Json.pretty(tree.json()));
        } else {
            System.out.print(tree.text());
        }
        return 0;
    }

    private int inspect(String[] args) throws ParseException, EngineException, IOException {
        CommandLine cl = INSPECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ExitCodes.usage("\"berth ns inspect\" requires exactly 1 argument: a PID or a container");
        }
        String target = cl.getArgList().get(0);
        long pid = pidOf(target);
        Map<NsKind, Long> ns = inodes(pid, target);
        // "the host" is where berth runs: PID 1 may be out of reach (a sandbox, another PID namespace)
        Map<NsKind, Long> host = inodes(ProcessHandle.current().pid(), "berth itself");
        if (cl.hasOption("json")) {
            List<Object> out = new ArrayList<>();
            for (Map.Entry<NsKind, Long> e : ns.entrySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", e.getKey().procName());
                m.put("ns", e.getValue());
                m.put("path", Namespaces.path(pid, e.getKey()).toString());
                m.put("host", e.getValue().equals(host.get(e.getKey())));
                out.add(m);
            }
            System.out.println(Json.pretty(Map.of("pid", pid, "namespaces", out)));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TYPE", "NS", "SHARED WITH THE HOST", "PATH"});
        for (Map.Entry<NsKind, Long> e : ns.entrySet()) {
            rows.add(new String[] {e.getKey().procName(), Long.toString(e.getValue()),
                e.getValue().equals(host.get(e.getKey())) ? "yes" : "no",
                Namespaces.path(pid, e.getKey()).toString()});
        }
        System.out.print(Output.table(rows));
        return 0;
    }

    private int diff(String[] args) throws ParseException, EngineException, IOException {
        CommandLine cl = DIFF.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            return ExitCodes.usage("\"berth ns diff\" requires exactly 2 arguments: two PIDs or containers");
        }
        String a = cl.getArgList().get(0);
        String b = cl.getArgList().get(1);
        Map<NsKind, Long> na = inodes(pidOf(a), a);
        Map<NsKind, Long> nb = inodes(pidOf(b), b);
        int differ = 0;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TYPE", a, b, "SHARED"});
        List<Object> out = new ArrayList<>();
        for (NsKind k : NsKind.values()) {
            Long x = na.get(k);
            Long y = nb.get(k);
            boolean same = x != null && x.equals(y);
            differ += same ? 0 : 1;
            rows.add(new String[] {k.procName(), x == null ? "-" : x.toString(), y == null ? "-" : y.toString(),
                same ? "yes" : "no"});
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", k.procName());
            m.put("a", x);
            m.put("b", y);
            m.put("shared", same);
            out.add(m);
        }
        if (cl.hasOption("json")) {
            System.out.println(Json.pretty(Map.of("namespaces", out)));
        } else {
            System.out.print(Output.table(rows));
        }
        return differ == 0 ? 0 : 1; // like diff(1): 1 when they differ, for scripts
    }

    private int limits(String[] args) throws ParseException, EngineException, IOException {
        CommandLine cl = LIMITS.parse(args);
        if (cl == null) {
            return 0;
        }
        NamespaceView view = NamespaceView.scan(engine(), false);
        Map<NsKind, Integer> inUse = new EnumMap<>(NsKind.class);
        for (Namespace n : view.all()) {
            inUse.merge(n.kind(), 1, Integer::sum);
        }
        List<String[]> rows = new ArrayList<>();
        // the kernel counts per user namespace and creating uid (namespaces(7)); this is the total
        rows.add(new String[] {"TYPE", "LIMIT", "IN USE", "FILE"});
        List<Object> out = new ArrayList<>();
        for (NsKind k : NsKind.values()) {
            Path file = Path.of("/proc/sys/user/max_" + k.procName() + "_namespaces");
            String limit = Files.isReadable(file) ? dev.berth.linux.Procs.sysctl(file).strip() : "-";
            int used = inUse.getOrDefault(k, 0);
            rows.add(new String[] {k.procName(), limit, Integer.toString(used), file.toString()});
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", k.procName());
            m.put("limit", limit.equals("-") ? null : Long.parseLong(limit));
            m.put("inUse", used);
            out.add(m);
        }
        if (cl.hasOption("json")) {
            System.out.println(Json.pretty(Map.of("limits", out)));
        } else {
            System.out.print(Output.table(rows));
        }
        return 0;
    }

    private int enter(String[] args) throws ParseException, EngineException, IOException {
        CommandLine cl = ENTER.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> rest = cl.getArgList();
        if (rest.isEmpty()) {
            return ExitCodes.usage("\"berth ns enter\" requires a target: a PID, a container or a namespace file");
        }
        String target = rest.get(0);
        List<String> command = rest.size() > 1 ? rest.subList(1, rest.size()) : List.of(shell());
        Map<NsKind, Path> joins = new EnumMap<>(NsKind.class);
        Path file = Path.of(target);
        if (target.startsWith("/") && Files.exists(file)) {
            NsKind k = kindOfFile(file);
            if (k == null) {
                return ExitCodes.usage(target + " is not a namespace file: give /proc/PID/ns/KIND or a bind mount of one");
            }
            joins.put(k, file);
        } else {
            long pid = pidOf(target);
            String[] opts = {"user", "mount", "pid", "net", "uts", "ipc", "cgroup", "time"};
            NsKind[] kinds = {NsKind.USER, NsKind.MNT, NsKind.PID, NsKind.NET, NsKind.UTS, NsKind.IPC,
                NsKind.CGROUP, NsKind.TIME};
            boolean any = false;
            for (String o : opts) {
                any |= cl.hasOption(o);
            }
            for (int i = 0; i < opts.length; i++) {
                if (cl.hasOption("all") || !any || cl.hasOption(opts[i])) {
                    // joining a namespace we are in is a no-op, and for a user namespace an error
                    if (Namespaces.inode(pid, kinds[i]) != Namespaces.inode(0, kinds[i])) {
                        joins.put(kinds[i], Namespaces.path(pid, kinds[i]));
                    }
                }
            }
        }
        boolean tty = cl.hasOption("tty");
        ExecRequest req = ExecRequest.of(command).tty(tty).stdin(true).workdir(cl.getOptionValue("wd"));
        ExecCommand.envAndTerminal(cl, req, tty);
        Attachment a = engine().enter(joins, req, target);
        return Streams.attach(a, true, tty);
    }

    private int unshare(String[] args) throws ParseException, EngineException, IOException {
        CommandLine cl = UNSHARE.parse(args);
        if (cl == null) {
            return 0;
        }
        String[] opts = {"user", "mount", "pid", "net", "uts", "ipc", "cgroup", "time"};
        NsKind[] kinds = {NsKind.USER, NsKind.MNT, NsKind.PID, NsKind.NET, NsKind.UTS, NsKind.IPC,
            NsKind.CGROUP, NsKind.TIME};
        List<NsKind> chosen = new ArrayList<>();
        for (int i = 0; i < opts.length; i++) {
            // as in unshare(1): --map-root-user implies --user, --mount-proc implies --mount
            if (cl.hasOption(opts[i]) || (opts[i].equals("user") && cl.hasOption("map-root-user"))
                || (opts[i].equals("mount") && cl.hasOption("mount-proc"))) {
                chosen.add(kinds[i]);
            }
        }
        Map<NsKind, Path> persist = new EnumMap<>(NsKind.class);
        if (cl.hasOption("persist")) {
            Path dir = Path.of(cl.getOptionValue("persist")).toAbsolutePath();
            if (!Files.isDirectory(dir)) {
                return ExitCodes.usage("--persist " + dir + " is not a directory; create it first");
            }
            for (NsKind k : chosen) {
                persist.put(k, dir.resolve(k.procName()));
            }
        }
        List<String> command = cl.getArgList().isEmpty() ? List.of(shell()) : cl.getArgList();
        boolean tty = cl.hasOption("tty");
        ExecRequest req = ExecRequest.of(command).tty(tty).stdin(true).workdir(cl.getOptionValue("wd"));
        if (tty && Terminal.isTerminal()) {
            int[] size = Terminal.size();
            req.terminalSize(size[0], size[1]);
        }
        Attachment a = engine().unshare(chosen, cl.hasOption("map-root-user"), cl.hasOption("mount-proc"),
            persist, req);
        return Streams.attach(a, true, tty);
    }

    private static String shell() {
        String sh = System.getenv("SHELL");
        return sh != null && !sh.isEmpty() ? sh : "/bin/sh";
    }

    private Engine engine() throws EngineException {
        try {
            return Engines.open(root);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot open " + root + ": " + e.getMessage(), e);
        }
    }

    /** A number is a PID; anything else names a running container. */
    private long pidOf(String target) throws EngineException {
        if (isNumber(target)) {
            long pid = Long.parseLong(target);
            if (!Files.exists(Path.of("/proc/" + pid))) {
                throw new EngineException.NotFound("no such process: " + pid);
            }
            return pid;
        }
        return engine().pidOf(target);
    }

    private static boolean isNumber(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty() && s.length() < 10;
    }

    private static Map<NsKind, Long> inodes(long pid, String what) throws EngineException {
        Map<NsKind, Long> out = new EnumMap<>(NsKind.class);
        IOException failure = null;
        for (NsKind k : NsKind.values()) {
            try {
                out.put(k, Namespaces.inode(pid, k));
            } catch (IOException e) {
                failure = e; // one kind missing from the kernel is fine; none readable is not
            }
        }
        if (out.isEmpty()) {
            if (!Files.exists(Path.of("/proc/" + pid))) {
                throw new EngineException.NotFound("no such process: " + what);
            }
            throw new EngineException.PermissionDenied("cannot read the namespaces of " + what + " (PID " + pid
                + "): " + (failure instanceof java.nio.file.AccessDeniedException ? "permission denied" : String.valueOf(failure))
                + "; run berth as root, in the PID namespace of that process");
        }
        return out;
    }

    private static NsKind kind(String name) {
        for (NsKind k : NsKind.values()) {
            if (k.procName().equals(name) || (k == NsKind.MNT && name.equals("mount"))) {
                return k;
            }
        }
        return null;
    }

    /**
     * The kind of a namespace file: from its link text ({@code net:[...]}) under /proc, or
     * from the root field of its nsfs bind mount in mountinfo; null when it is neither.
     */
    static NsKind kindOfFile(Path file) {
        try {
            String text = null;
            if (Files.isSymbolicLink(file)) {
                text = Files.readSymbolicLink(file).toString();
            } else {
                text = Namespaces.nsfsMounts().get(file.toAbsolutePath().normalize().toString());
            }
            int colon = text == null ? -1 : text.indexOf(':');
            return colon > 0 ? kind(text.substring(0, colon)) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
