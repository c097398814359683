package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.ExecRequest;
import dev.berth.engine.NamespaceView.Namespace;
import dev.berth.engine.NamespaceView;
import dev.berth.engine.NamespaceUsage;
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
          limits   /proc/sys/user/max_*_namespaces next to how many each user has now

        Run 'berth ns COMMAND --help' for a command's options, output columns and exit status.

        Examples:
          berth ns ls -t net
          berth ns tree --dot | dot -Tsvg > ns.svg
          berth ns diff web 1
          berth ns enter --net --uts web ip addr
          berth ns unshare --net --uts --persist /run/keep sleep 1 && berth ns enter /run/keep/net ip link
        """;

    static final Flags LS = new Flags("berth ns ls [-t TYPE] [--json] [--no-fds]")
        .value("t", "type", "TYPE", "Only namespaces of this kind: user, mnt, pid, net, uts, ipc, cgroup, time")
        .bool(null, "json", "Print JSON")
        .bool(null, "no-fds", "Skip the open file descriptors of every process (faster; misses namespaces only an fd keeps)")
        .footer("""
            Every namespace on the host: those of every process (/proc/PID/ns), those bind-mounted
            (nsfs mounts, e.g. /run/netns/NAME) and those held by an open file descriptor, with
            their owning user namespace and the berth container they belong to. Columns (the
            JSON keys in brackets): NS [ns] the inode, TYPE [type], NPROCS [nprocs], PID [pid] the
            lowest, USER [user, uid] its user, USERNS [userns] the owning user namespace, OWNER
            [ownerUid] that namespace's creator, CONTAINER [container], COMMAND [command]; for a
            namespace no process is in, COMMAND lists what holds it [holders].

            Examples:
              berth ns ls
              berth ns ls -t net --json | jq '.namespaces[] | select(.nprocs == 0)'
            """);
    static final Flags TREE = new Flags("berth ns tree [--json|--dot]")
        .bool(null, "json", "Print JSON")
        .bool(null, "dot", "Print a Graphviz digraph")
        .footer("""
            The user namespaces as nested by NS_GET_PARENT, each with the namespaces it owns
            (NS_GET_USERNS) under it; a PID namespace names its parent PID namespace too.

            Examples:
              berth ns tree
              berth ns tree --dot | dot -Tsvg > ns.svg
            """);
    static final Flags INSPECT = new Flags("berth ns inspect [--json] PID|CONTAINER")
        .bool(null, "json", "Print JSON")
        .footer("""
            The eight namespaces of a process or a running container, and whether each is the
            one berth itself runs in.

            Examples:
              berth ns inspect web
              berth ns inspect --json 4242
            """);
    static final Flags DIFF = new Flags("berth ns diff [--json] PID|CONTAINER PID|CONTAINER")
        .bool(null, "json", "Print JSON")
        .footer("""
            Which namespaces two processes or containers share. Exit status: 0 when they share
            all eight, 1 when any differs (as diff(1)), 125 on bad input.

            Examples:
              berth ns diff web 1
              berth ns diff web db || echo "not the same namespaces"
            """);
    static final Flags LIMITS = new Flags("berth ns limits [--json] [--no-fds]")
        .bool(null, "json", "Print JSON")
        .bool(null, "no-fds", "Skip the open file descriptors of every process")
        .footer("""
            /proc/sys/user/max_KIND_namespaces next to how many namespaces each user has. The
            kernel counts per user in each user namespace: a namespace counts for the uid that
            created it, and namespaces made inside a nested user namespace count for the owner of
            that user namespace. The owner is exact (NS_GET_OWNER_UID); the creator of other
            namespaces is not known to the kernel's interfaces, so berth counts the uid of the
            lowest process in it (ESTIMATED says how many of IN USE are counted so; "?": no
            process). The kernel's initial namespaces count for nobody. Namespaces nothing visible
            holds are missed: the counts are a lower bound. FREE is LIMIT - IN USE.

            Examples:
              berth ns limits
              berth ns limits --json | jq '.limits[] | select(.type == "user") | .users'
            """);
    static final Flags ENTER = new Flags("berth ns enter [OPTIONS] [-t] PID|CONTAINER|FILE [COMMAND [ARG...]]")
        .value("t", "target", "TARGET", "The PID, container or namespace file to enter (as nsenter -t; or give it as the first argument)")
        .bool("a", "all", "Enter every namespace of the target (the default when no kind is given)")
        .bool("U", "user", "Enter the user namespace")
        .bool("m", "mount", "Enter the mount namespace")
        .bool("p", "pid", "Enter the PID namespace")
        .bool("n", "net", "Enter the network namespace")
        .bool("u", "uts", "Enter the UTS namespace")
        .bool("i", "ipc", "Enter the IPC namespace")
        .bool("C", "cgroup", "Enter the cgroup namespace")
        .bool("T", "time", "Enter the time namespace")
        .bool(null, "tty", "Allocate a terminal (the default when stdin and stdout are one)")
        .bool(null, "no-tty", "Do not allocate a terminal")
        .value("w", "wd", "DIR", "Working directory (default /)")
        .value("e", "env", "NAME=VALUE", "Set an environment variable (repeatable)")
        .footer("""
            Runs COMMAND (default: $SHELL) in the namespaces of a process, a running container, or
            one namespace file (/proc/PID/ns/KIND, or a bind mount of one such as /run/netns/NAME);
            --KIND=FILE (nsenter's form) enters that kind's namespace from FILE, with or without a target.
            The options and their letters are nsenter's; namespaces the target shares with berth
            are not re-entered, and --all leaves out kinds the kernel lacks. Exit status: the
            command's own, 125 when berth fails, 126/127 when the command cannot run / is not found.

            Examples:
              berth ns enter -t 4242 -n ip addr
              berth ns enter --net --uts web hostname
              berth ns enter /run/netns/blue ip link
              berth ns enter --net=/run/netns/blue --uts=/proc/4242/ns/uts hostname
            """);

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
        .bool("r", "map-root-user", "Map root in the new user namespace to the current user (implies --user)")
        .value(null, "persist", "DIR", "Keep each new namespace alive at DIR/KIND (a bind mount, as unshare --net=FILE)")
        .bool(null, "tty", "Allocate a terminal (the default when stdin and stdout are one)")
        .bool(null, "no-tty", "Do not allocate a terminal")
        .value("w", "wd", "DIR", "Working directory (default: the current one)")
        .footer("""
            Runs COMMAND (default: $SHELL) in new namespaces, as unshare --fork does. With
            --persist DIR each new namespace stays alive at DIR/KIND after the command exits;
            umount DIR/KIND frees it. Exit status: the command's own, 125 when berth fails.

            Examples:
              berth ns unshare --pid --mount-proc ps
              berth ns unshare --map-root-user id
              mkdir /run/keep && berth ns unshare --net --uts --persist /run/keep true
              berth ns enter /run/keep/net ip link && umount /run/keep/net /run/keep/uts
            """);

    private final Path root;

    NsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        if (Group.wantsUsage(args)) {
            return Group.usage(args, USAGE);
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
                default -> Group.unknown("ns", args[0]);
            };
        } catch (EngineException e) {
            // where 1 means something else (the command's own status, or "they differ"), berth's failure is 125
            boolean own = args[0].equals("enter") || args[0].equals("unshare") || args[0].equals("diff");
            return ExitCodes.report(e, own ? ExitCodes.ENGINE : ExitCodes.FAILURE);
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
        NamespaceView view = NamespaceView.scan(engine(), !cl.hasOption("no-fds"));
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
        NamespaceView view = NamespaceView.scan(engine(), true);
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
        long self = Namespaces.inode(0, NsKind.USER);
        List<NamespaceUsage.Kind> usage = NamespaceUsage.of(NamespaceView.scan(engine(), !cl.hasOption("no-fds")), self);
        if (cl.hasOption("json")) {
            List<Object> out = new ArrayList<>();
            for (NamespaceUsage.Kind k : usage) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", k.kind().procName());
                m.put("limit", k.limit() >= 0 ? k.limit() : null);
                m.put("found", k.found());
                m.put("initial", k.initial());
                m.put("outside", k.outside());
                List<Object> users = new ArrayList<>();
                for (NamespaceUsage.User u : k.users()) {
                    Map<String, Object> um = new LinkedHashMap<>();
                    um.put("uid", u.uid() >= 0 ? u.uid() : null);
                    um.put("user", u.name().isEmpty() ? null : u.name());
                    um.put("inUse", u.inUse());
                    um.put("estimated", u.estimated());
                    um.put("free", k.limit() >= 0 ? k.limit() - u.inUse() : null);
                    users.add(um);
                }
                m.put("users", users);
                out.add(m);
            }
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("userns", self);
            top.put("limits", out);
            System.out.println(Json.pretty(top));
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TYPE", "LIMIT", "UID", "USER", "IN USE", "FREE", "ESTIMATED"});
        for (NamespaceUsage.Kind k : usage) {
            String limit = k.limit() >= 0 ? Long.toString(k.limit()) : "-";
            if (k.users().isEmpty()) {
                rows.add(new String[] {k.kind().procName(), limit, "-", "-", "0", limit, "0"});
            }
            for (NamespaceUsage.User u : k.users()) {
                rows.add(new String[] {k.kind().procName(), limit, u.uid() >= 0 ? Integer.toString(u.uid()) : "?",
                    u.uid() >= 0 ? u.name() : "(no process)", Integer.toString(u.inUse()),
                    k.limit() >= 0 ? Long.toString(k.limit() - u.inUse()) : "-", Integer.toString(u.estimated())});
            }
        }
        System.out.print(Output.table(rows));
        return 0;
    }

    private int enter(String[] args) throws ParseException, EngineException, IOException {
        String[] opts = {"user", "mount", "pid", "net", "uts", "ipc", "cgroup", "time"};
        NsKind[] kinds = {NsKind.USER, NsKind.MNT, NsKind.PID, NsKind.NET, NsKind.UTS, NsKind.IPC,
            NsKind.CGROUP, NsKind.TIME};
        Map<NsKind, Path> files = new EnumMap<>(NsKind.class);
        List<String> plain = namespaceFiles(args, opts, kinds, files);
        if (plain == null) {
            return ExitCodes.USAGE;
        }
        CommandLine cl = ENTER.parse(plain.toArray(String[]::new));
        if (cl == null) {
            return 0;
        }
        List<String> rest = new ArrayList<>(cl.getArgList());
        String target = cl.getOptionValue("target");
        if (target == null && files.isEmpty()) {
            if (rest.isEmpty()) {
                return ExitCodes.usage("\"berth ns enter\" requires a target: a PID, a container or a namespace file");
            }
            target = rest.remove(0);
        }
        List<String> command = rest.isEmpty() ? List.of(shell()) : rest;
        Map<NsKind, Path> joins = new EnumMap<>(NsKind.class);
        boolean any = !files.isEmpty();
        for (int i = 0; i < opts.length; i++) {
            any |= cl.hasOption(opts[i]);
            if (cl.hasOption(opts[i]) && !kinds[i].supported()) {
                throw new EngineException.InvalidArgument("this kernel has no " + kinds[i].procName()
                    + " namespaces: leave out --" + opts[i]);
            }
        }
        if (target == null) {
            // only --KIND=FILE: nsenter's way to enter namespaces no process names
        } else if (target.indexOf('/') >= 0) { // a file: a PID or a container name has no slash
            Path file = Path.of(target);
            if (!Files.exists(file)) {
                throw new EngineException.NotFound("no such namespace file: " + target
                    + "; give /proc/PID/ns/KIND or a bind mount of one (see berth ns ls)");
            }
            NsKind k = kindOfFile(file);
            if (k == null) {
                return ExitCodes.usage(target + " is not a namespace file: give /proc/PID/ns/KIND or a bind mount of one");
            }
            for (int i = 0; i < opts.length; i++) {
                if (cl.hasOption(opts[i]) && kinds[i] != k) {
                    return ExitCodes.usage(target + " is a " + k.procName() + " namespace, not a "
                        + kinds[i].procName() + " one: leave out --" + opts[i]);
                }
            }
            joins.put(k, file);
        } else {
            long pid = pidOf(target);
            for (int i = 0; i < opts.length; i++) {
                if ((cl.hasOption("all") || !any || cl.hasOption(opts[i])) && kinds[i].supported()) {
                    long theirs;
                    try {
                        theirs = Namespaces.inode(pid, kinds[i]);
                    } catch (IOException e) {
                        inodes(pid, target); // gone, or not ours to see: says which, as one line
                        throw new EngineException.PermissionDenied("cannot read " + Namespaces.path(pid, kinds[i])
                            + ": " + e.getMessage() + "; run berth as root");
                    }
                    // joining a namespace we are in is a no-op, and for a user namespace an error
                    if (theirs != Namespaces.inode(0, kinds[i])) {
                        joins.put(kinds[i], Namespaces.path(pid, kinds[i]));
                    }
                }
            }
        }
        joins.putAll(files);
        boolean tty = tty(cl);
        ExecRequest req = ExecRequest.of(command).tty(tty).stdin(true).workdir(cl.getOptionValue("wd"));
        ExecCommand.envAndTerminal(cl, req, tty);
        Attachment a = engine().enter(joins, req, target != null ? target : files.values().iterator().next().toString());
        return Streams.attach(a, true, tty);
    }

    /**
     * nsenter's {@code --net=FILE} (and the other kinds'): takes them out of {@code args}, each
     * checked to be a namespace file of that kind, into {@code files}; the rest, for the parser.
     * Only the options before the target or command are looked at. Null after reporting an error.
     */
    private static List<String> namespaceFiles(String[] args, String[] opts, NsKind[] kinds, Map<NsKind, Path> files)
        throws EngineException, IOException {
        List<String> out = new ArrayList<>();
        boolean options = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            int kind = options && a.startsWith("--") && eq > 2 ? List.of(opts).indexOf(a.substring(2, eq)) : -1;
            if (kind < 0) {
                out.add(a);
                if (options && List.of("-t", "--target", "-w", "--wd", "-e", "--env").contains(a) && i + 1 < args.length) {
                    out.add(args[++i]);
                } else if (a.equals("--") || !a.startsWith("-")) {
                    options = false;
                }
                continue;
            }
            Path file = Path.of(a.substring(eq + 1));
            if (!kinds[kind].supported()) {
                throw new EngineException.InvalidArgument("this kernel has no " + kinds[kind].procName()
                    + " namespaces: leave out --" + opts[kind]);
            }
            if (!Files.exists(file)) {
                throw new EngineException.NotFound("no such namespace file: " + file + " (--" + opts[kind]
                    + "); give /proc/PID/ns/" + kinds[kind].procName() + " or a bind mount of one");
            }
            NsKind k = kindOfFile(file);
            if (k != kinds[kind]) {
                ExitCodes.usage(file + (k == null ? " is not a namespace file" : " is a " + k.procName() + " namespace")
                    + ": --" + opts[kind] + "= takes a " + kinds[kind].procName() + " namespace file");
                return null;
            }
            files.put(k, file);
        }
        return out;
    }

    /** --tty, --no-tty, or a terminal when berth has one on stdin and stdout, as nsenter passes its own. */
    private static boolean tty(CommandLine cl) {
        return cl.hasOption("tty") || (!cl.hasOption("no-tty") && Terminal.isTerminal());
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
                if (!kinds[i].supported()) {
                    throw new EngineException.InvalidArgument("this kernel has no " + kinds[i].procName()
                        + " namespaces: leave out --" + opts[i]);
                }
                chosen.add(kinds[i]);
            }
        }
        Map<NsKind, Path> persist = new EnumMap<>(NsKind.class);
        if (cl.hasOption("persist")) {
            Path dir = Path.of(cl.getOptionValue("persist")).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                return ExitCodes.usage("--persist " + dir + " is not a directory; create it first");
            }
            Map<String, String> mounted = Namespaces.nsfsMounts();
            for (NsKind k : chosen) {
                Path file = dir.resolve(k.procName());
                if (mounted.containsKey(file.toString())) {
                    throw new EngineException.Conflict(file + " already keeps a namespace (" + mounted.get(file.toString())
                        + "); umount " + file + " first, or persist elsewhere");
                }
                if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new EngineException.Conflict(file + " exists and is not a plain file; remove it, or persist elsewhere");
                }
                persist.put(k, file);
            }
        }
        List<String> command = cl.getArgList().isEmpty() ? List.of(shell()) : cl.getArgList();
        boolean tty = tty(cl);
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
