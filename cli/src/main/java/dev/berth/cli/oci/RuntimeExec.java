package dev.berth.cli.oci;

import dev.berth.cli.Streams;
import dev.berth.engine.Attachment;
import dev.berth.runtime.oci.BundleRuntime;
import dev.berth.runtime.oci.OciException;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** {@code berth-runtime exec}, flag for flag as runc's. */
final class RuntimeExec {
    /** runc's status when exec itself fails, so that it differs from any status of the process. */
    static final int FAILED = 255;

    private RuntimeExec() {}

    static int exec(BundleRuntime rt, List<String> rest, Consumer<String> error) throws OciException, IOException {
        Path process = null;
        Path pidFile = null;
        Path console = null;
        String cwd = null;
        String user = null;
        List<String> env = new ArrayList<>();
        List<Long> gids = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        boolean tty = false;
        boolean detach = false;
        boolean nnp = false;
        boolean ignorePaused = false;
        int preserve = 0;
        while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
            String arg = rest.remove(0);
            if (arg.equals("--")) {
                break;
            }
            Flag flag = Flag.of(arg);
            String a = flag.name();
            String value = flag.value();
            switch (a) {
                case "-p", "--process" -> process = Caller.path(arg(value, rest, a));
                case "--pid-file" -> pidFile = Caller.path(arg(value, rest, a));
                case "--console-socket" -> console = Caller.path(arg(value, rest, a));
                case "--cwd" -> cwd = arg(value, rest, a);
                case "-e", "--env" -> env.add(arg(value, rest, a));
                case "-u", "--user" -> user = arg(value, rest, a);
                case "-g", "--additional-gids" -> gids.add((long) RuntimeMain.number(arg(value, rest, a), a));
                case "-c", "--cap" -> caps.add(arg(value, rest, a));
                case "--preserve-fds" -> preserve = RuntimeMain.number(arg(value, rest, a), a);
                case "-t", "--tty" -> tty = true;
                case "-d", "--detach" -> detach = true;
                case "--no-new-privs" -> nnp = true;
                case "--ignore-paused" -> ignorePaused = true;
                // labels of LSMs berth does not apply; runc's callers pass them unconditionally
                case "--apparmor", "--process-label", "--cgroup" -> arg(value, rest, a);
                default -> throw new OciException("flag provided but not defined: " + a);
            }
        }
        if (rest.isEmpty()) {
            throw new OciException("\"exec\" requires a minimum of 1 argument: the container id");
        }
        String id = rest.remove(0);
        BundleRuntime.ExecOptions o = new BundleRuntime.ExecOptions(process, List.copyOf(rest), tty, cwd, env, user,
            gids, caps, nnp, detach, pidFile, console, preserve, ignorePaused);
        StageSession session;
        if (!detach && Caller.client() == null) {
            dev.berth.cli.Streams.holdSignals();
        }
        try {
            session = rt.exec(id, o);
        } catch (OciException e) {
            error.accept("exec failed: " + e.getMessage());
            return FAILED;
        }
        if (session == null) {
            return 0;
        }
        boolean relay = console == null && (process == null ? tty : terminal(process));
        return foreground(session, relay);
    }

    /**
     * Waits for a foreground process and returns its exit status, forwarding our caller's
     * signals to it; with {@code relay}, its terminal is our caller's (no console socket was given).
     */
    static int foreground(StageSession session, boolean relay) throws IOException {
        try (Attachment a = Attachment.of(session)) {
            Caller.Client client = Caller.client();
            return client != null ? client.attach(a, relay) : Streams.attach(a, relay, relay);
        }
    }

    private static boolean terminal(Path process) {
        try {
            return dev.berth.runtime.oci.OciSpecReader.readProcess(process).terminal();
        } catch (dev.berth.runtime.oci.OciSpecException e) {
            return false;
        }
    }

    private static String arg(String value, List<String> rest, String flag) throws OciException {
        return value != null ? value : RuntimeMain.next(rest, flag);
    }
}
