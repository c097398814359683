package dev.berth.cli.oci;

import dev.berth.linux.Signals;
import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.oci.BundleRuntime;
import dev.berth.runtime.oci.OciDefaults;
import dev.berth.runtime.oci.OciException;
import dev.berth.runtime.oci.OciFeatures;
import dev.berth.runtime.oci.OciJson;
import dev.berth.runtime.oci.OciState;
import dev.berth.runtime.stage.Frame;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.SpareStage;
import dev.berth.runtime.stage.StageSession;
import dev.berth.runtime.WaitStatus;
import dev.berth.runtime.Trace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth-runtime}: runc's command line over berth's stage, for containerd, podman and
 * Kubernetes. Errors are one line on stderr and, with {@code --log}, a log entry in the format
 * asked for, since callers read the last error there; exit status 1, as runc.
 */
public final class RuntimeMain {
    static final String VERSION = "0.1.0";

    private Path root;
    private Boolean rootless;
    private Path log;
    private boolean jsonLog;
    private boolean debug;
    /** Only create and run need a cgroup driver; the rest work on the saved state, as runc's do. */
    private boolean systemdCgroup;

    private RuntimeMain() {}

    public static void main(String[] args) {
        Trace.mark("main");
        int code = execute(args);
        Trace.mark("exit");
        Trace.dump();
        System.out.flush();
        System.err.flush();
        String serve = System.getenv("BERTH_RUNTIME_SERVE");
        if (serve != null && !serve.isEmpty()) {
            // the client found no server: the next calls need not pay a JVM each (RuntimeServer)
            System.out.close(); // a caller reading our output to its end may go on meanwhile
            System.err.close();
            RuntimeLauncher.startServer(Path.of(serve));
        }
        Runtime.getRuntime().halt(code);
    }

    /** Runs one command line and returns its exit status; errors are already reported. */
    public static int execute(String[] args) {
        SpareStage.disable();
        RuntimeMain m = new RuntimeMain();
        try {
            return m.run(args);
        } catch (OciException e) {
            m.error(e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            m.error(describe(e));
            if (m.debug) {
                e.printStackTrace();
            }
            return 1;
        }
    }

    private int run(String[] args) throws OciException, IOException {
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) {
            String arg = args[i];
            Flag flag = Flag.of(arg);
            String a = flag.name();
            String value = flag.value();
            switch (a) {
                case "--root" -> root = Caller.path(value != null ? value : args[++i]);
                case "--log" -> log = Caller.path(value != null ? value : args[++i]);
                case "--log-format" -> {
                    String f = value != null ? value : args[++i];
                    if (!f.equals("json") && !f.equals("text")) {
                        throw new OciException("invalid log format \"" + f + "\": use text or json");
                    }
                    jsonLog = f.equals("json");
                }
                case "--debug" -> debug = true;
                case "--systemd-cgroup" -> systemdCgroup = true;
                case "--rootless" -> {
                    String v = value != null ? value : args[++i];
                    rootless = switch (v) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "auto" -> null;
                        default -> throw new OciException("invalid --rootless \"" + v + "\": use true, false or auto");
                    };
                }
                case "--criu" -> i += value != null ? 0 : 1;
                case "-v", "--version" -> {
                    System.out.println("berth-runtime version " + VERSION + "\nspec: " + dev.berth.runtime.oci.OciSpec.VERSION);
                    return 0;
                }
                case "-h", "--help" -> {
                    usage(System.out);
                    return 0;
                }
                default -> throw new OciException("flag provided but not defined: " + args[i]);
            }
        }
        if (i == args.length) {
            usage(System.err);
            return 1;
        }
        String command = args[i];
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(i + 1, args.length));
        boolean unprivileged = dev.berth.linux.Procs.effectiveUid() != 0;
        BundleRuntime rt = new BundleRuntime(root != null ? root : defaultRoot(unprivileged),
            rootless != null ? rootless : unprivileged);
        try {
            return switch (command) {
                case "create" -> create(rt, rest, true);
                case "run" -> create(rt, rest, false);
                case "start" -> {
                    rt.start(one(rest, "start"));
                    yield 0;
                }
                case "state" -> {
                    System.out.print(rt.state(one(rest, "state")).json());
                    yield 0;
                }
                case "kill" -> kill(rt, rest);
                case "delete" -> {
                    boolean force = take(rest, "-f", "--force");
                    rt.delete(one(rest, "delete"), force);
                    yield 0;
                }
                case "exec" -> RuntimeExec.exec(rt, rest, this::error);
                case "update" -> RuntimeUpdate.update(rt, rest);
                case "events" -> RuntimeUpdate.events(rt, rest);
                case "list" -> list(rt, rest);
                case "ps" -> ps(rt, rest);
                case "pause" -> {
                    rt.pause(one(rest, "pause"));
                    yield 0;
                }
                case "resume" -> {
                    rt.resume(one(rest, "resume"));
                    yield 0;
                }
                case "spec" -> spec(rest);
                case "features" -> {
                    System.out.println(OciFeatures.json());
                    yield 0;
                }
                default -> throw new OciException("no such command: " + command);
            };
        } finally {
            for (String w : rt.warnings()) {
                logLine("warning", w);
            }
        }
    }

    /** {@code create}: returns once the process waits for start; {@code run}: starts it and waits, unless -d. */
    private int create(BundleRuntime rt, List<String> rest, boolean create) throws OciException, IOException {
        if (systemdCgroup) {
            throw new OciException(systemdUnsupported());
        }
        Path bundle = Caller.path(".");
        Path pidFile = null;
        Path console = null;
        int preserve = 0;
        boolean detach = false;
        boolean keep = false;
        boolean noPivot = false;
        boolean noNewKeyring = false;
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            String arg = rest.remove(0);
            Flag flag = Flag.of(arg);
            String a = flag.name();
            String value = flag.value();
            switch (a) {
                case "-b", "--bundle" -> bundle = Caller.path(value != null ? value : next(rest, a));
                case "--pid-file" -> pidFile = Caller.path(value != null ? value : next(rest, a));
                case "--console-socket" -> console = Caller.path(value != null ? value : next(rest, a));
                case "--preserve-fds" -> preserve = number(value != null ? value : next(rest, a), a);
                case "-d", "--detach" -> detach = true;
                case "--keep" -> keep = true;
                case "--no-pivot" -> noPivot = true;
                case "--no-new-keyring" -> noNewKeyring = true;
                case "--no-subreaper" -> { }
                default -> throw new OciException("flag provided but not defined: " + a);
            }
        }
        String id = one(rest, create ? "create" : "run");
        BundleRuntime.CreateOptions o = new BundleRuntime.CreateOptions(bundle.toAbsolutePath().normalize(), pidFile,
            console == null ? null : console.toAbsolutePath(), preserve, create || detach, create, noPivot, noNewKeyring);
        if (!create && !detach && Caller.client() == null) {
            dev.berth.cli.Streams.holdSignals();
        }
        StageSession session = rt.create(id, o);
        if (session == null) {
            return 0;
        }
        int code = RuntimeExec.foreground(session, o.consoleSocket() == null && terminal(bundle));
        Trace.mark("exited");
        if (!keep) {
            rt.delete(id, true);
            Trace.mark("deleted");
        }
        return code;
    }

    private static boolean terminal(Path bundle) {
        try {
            return dev.berth.runtime.oci.OciSpecReader.read(bundle).process().terminal();
        } catch (dev.berth.runtime.oci.OciSpecException e) {
            return false;
        }
    }

    private int kill(BundleRuntime rt, List<String> rest) throws OciException, IOException {
        boolean all = take(rest, "-a", "--all");
        if (rest.isEmpty() || rest.size() > 2) {
            throw new OciException("kill: give the container id and optionally a signal: kill [--all] ID [SIGNAL]");
        }
        int signal = 15;
        if (rest.size() == 2 && rest.get(1).equals("0")) {
            signal = 0; // runc's too: checks that the process is there, signals nothing
        } else if (rest.size() == 2) {
            try {
                signal = Signals.parse(rest.get(1));
            } catch (IllegalArgumentException e) {
                throw new OciException("unknown signal \"" + rest.get(1) + "\"");
            }
        }
        rt.kill(rest.get(0), signal, all);
        return 0;
    }

    private int list(BundleRuntime rt, List<String> rest) throws OciException, IOException {
        boolean quiet = take(rest, "-q", "--quiet");
        String format = format(rest);
        List<OciState> all = rt.list();
        if (quiet) {
            for (OciState s : all) {
                System.out.println(s.id());
            }
        } else if (format.equals("json")) {
            List<Object> docs = new ArrayList<>();
            for (OciState s : all) {
                docs.add(s.document());
            }
            System.out.println(Json.compact(docs));
        } else {
            System.out.printf("%-12s %-8s %-10s %-40s %-30s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
            for (OciState s : all) {
                System.out.printf("%-12s %-8d %-10s %-40s %-30s %s%n", s.id(), s.pid(), s.status().text(), s.bundle(),
                    Timestamps.format(s.createdNanos()), s.owner());
            }
        }
        return 0;
    }

    private int ps(BundleRuntime rt, List<String> rest) throws OciException, IOException {
        String format = format(rest);
        if (rest.isEmpty()) {
            throw new OciException("ps: give the container id");
        }
        List<Long> pids = rt.pids(rest.remove(0));
        if (format.equals("json")) {
            System.out.println(Json.compact(new ArrayList<Object>(pids)));
            return 0;
        }
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(rest.isEmpty() ? List.of("-ef") : rest);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        int pidColumn = -1;
        for (String line : lines) {
            String[] cols = line.trim().split("\\s+");
            if (pidColumn < 0) {
                pidColumn = Arrays.asList(cols).indexOf("PID");
                System.out.println(line);
                continue;
            }
            if (pidColumn >= 0 && pidColumn < cols.length && pids.contains(Long.parseLong(cols[pidColumn]))) {
                System.out.println(line);
            }
        }
        return 0;
    }

    private int spec(List<String> rest) throws OciException, IOException {
        boolean rootless = take(rest, "--rootless", "--rootless");
        Path bundle = Caller.path(".");
        for (int i = 0; i < rest.size(); i++) {
            if (rest.get(i).equals("-b") || rest.get(i).equals("--bundle")) {
                bundle = Caller.path(rest.get(++i));
            } else if (rest.get(i).startsWith("--bundle=")) {
                bundle = Caller.path(rest.get(i).substring(9));
            }
        }
        Path config = bundle.resolve("config.json");
        if (Files.exists(config)) {
            throw new OciException("File " + config + " exists. Remove it first");
        }
        Files.writeString(config, OciDefaults.json(rootless));
        return 0;
    }

    private static String format(List<String> rest) throws OciException {
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals("-f") || a.equals("--format")) {
                rest.remove(i);
                String f = rest.remove(i);
                return check(f);
            }
            if (a.startsWith("--format=")) {
                rest.remove(i);
                return check(a.substring(9));
            }
        }
        return "table";
    }

    private static String check(String f) throws OciException {
        if (!f.equals("json") && !f.equals("table")) {
            throw new OciException("invalid format option: " + f + " (use table or json)");
        }
        return f;
    }

    static boolean take(List<String> rest, String s, String l) {
        boolean found = false;
        while (!rest.isEmpty() && (rest.get(0).equals(s) || rest.get(0).equals(l))) {
            rest.remove(0);
            found = true;
        }
        return found;
    }

    static String one(List<String> rest, String command) throws OciException {
        if (rest.size() != 1) {
            throw new OciException("\"" + command + "\" requires exactly 1 argument: the container id");
        }
        return rest.get(0);
    }

    static String next(List<String> rest, String flag) throws OciException {
        if (rest.isEmpty()) {
            throw new OciException("flag needs an argument: " + flag);
        }
        return rest.remove(0);
    }

    static int number(String v, String flag) throws OciException {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new OciException("invalid value \"" + v + "\" for " + flag);
        }
    }

    /** runc's: /run for root, the user's runtime directory (or a private one in /tmp) otherwise. */
    private static Path defaultRoot(boolean unprivileged) {
        if (!unprivileged) {
            return Path.of("/run/berth-runtime");
        }
        String xdg = Caller.env("XDG_RUNTIME_DIR");
        return xdg != null && !xdg.isEmpty() ? Path.of(xdg, "berth-runtime")
            : Path.of("/tmp", "berth-runtime-" + dev.berth.linux.Procs.effectiveUid());
    }

    /** A file system error names the file and what went wrong, not only the file as Java does. */
    private static String describe(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": no such file or directory";
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "file system error");
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * The refusal of {@code --systemd-cgroup} (docs/cgroups.md has the design of the driver). Without
     * systemd it is runc's own sentence, which the documentation of docker and containerd users
     * find; runc looks for {@code /run/systemd/system} as sd_booted(3) does.
     */
    static String systemdUnsupported() {
        if (!java.nio.file.Files.isDirectory(Path.of("/run/systemd/system"))) {
            return "systemd not running on this host, cannot use systemd cgroups manager";
        }
        return "the systemd cgroup driver is not supported by berth-runtime yet: use the cgroupfs driver"
            + " (drop --systemd-cgroup; in containerd set SystemdCgroup = false, in podman cgroup_manager = \"cgroupfs\")";
    }

    void error(String message) {
        System.err.println(message);
        logLine("error", message);
    }

    /** One line in --log, as runc writes it (logrus: text or JSON); nothing without --log. */
    private void logLine(String level, String message) {
        if (log == null) {
            return;
        }
        String time = Timestamps.format(System.currentTimeMillis() * 1_000_000L);
        String line;
        if (jsonLog) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("level", level);
            m.put("msg", message);
            m.put("time", time);
            line = Json.compact(m);
        } else {
            line = "time=\"" + time + "\" level=" + level + " msg=" + Json.compact(message);
        }
        try {
            Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot write the log " + log + ": " + e.getMessage());
        }
    }

    private static void usage(PrintStream out) {
        out.print("""
            Usage: berth-runtime [global options] COMMAND [options] ID

            An OCI runtime with runc's command line, on berth's stage.

            Commands:
              create    Create a container from a bundle; it waits for start
              start     Run the process of a created container
              run       Create and start a container (waits for it unless -d)
              state     Print the state of a container as JSON
              kill      Send a signal to the container's process (--all: every process)
              delete    Delete a container (-f: kill it first)
              exec      Run a process in a container (--process FILE, or a command)
              list      List containers (--format json, -q)
              ps        List the processes of a container (--format json)
              pause     Freeze every process of a container
              resume    Thaw a paused container
              update    Change a container's resource limits (--resources FILE|-, --memory, ...)
              events    Print the container's stats as JSON (--stats: once; --interval 5s)
              spec      Write a default config.json (--rootless)
              features  Print what this runtime supports, as JSON

            Global options:
              --root DIR          state directory (default /run/berth-runtime; for other users
                                  $XDG_RUNTIME_DIR/berth-runtime)
              --rootless BOOL     true, false or auto (default: true unless run by root)
              --log FILE          write errors to FILE as well
              --log-format FMT    text or json
              --debug             stack traces on errors
              --systemd-cgroup    accepted; create and run refuse it (no systemd driver yet)
            """);
    }
}
