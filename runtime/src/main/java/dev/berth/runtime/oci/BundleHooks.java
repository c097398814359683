package dev.berth.runtime.oci;

import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.WaitStatus;
import dev.berth.runtime.stage.Frame;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.StageException;
import dev.berth.runtime.stage.StageSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs OCI hooks: the state on stdin, exactly the hook's environment, killed at its timeout.
 * Those of the runtime namespace run as our children; those of the container namespace
 * (createContainer, startContainer) run through the stage, in every namespace of the
 * container's first process. One difference from runc: argv[0] is the hook's path, not
 * {@code args[0]} (a JDK process cannot tell the two apart).
 */
final class BundleHooks {
    private BundleHooks() {}

    /** Whether the set-up stops before pivot_root for prestart, createRuntime or createContainer hooks. */
    static boolean pauseAtCreate(OciHooks hooks) {
        return !hooks.prestart().isEmpty() || !hooks.createRuntime().isEmpty() || !hooks.createContainer().isEmpty();
    }

    /** Runs the hooks of {@code kind} in our namespaces, stopping at the first that fails. */
    static void here(OciHooks hooks, String kind, OciState state) throws OciException {
        List<OciHooks.Hook> list = hooks.named(kind);
        for (int i = 0; i < list.size(); i++) {
            here(list.get(i), kind, i, state);
        }
    }

    /** As {@link #here}, but a failure is a warning and the rest run (poststart, poststop). */
    static void hereWarn(OciHooks hooks, String kind, OciState state, List<String> warnings) {
        List<OciHooks.Hook> list = hooks.named(kind);
        for (int i = 0; i < list.size(); i++) {
            try {
                here(list.get(i), kind, i, state);
            } catch (OciException e) {
                warnings.add(e.getMessage());
            }
        }
    }

    /** Runs the hooks of {@code kind} in the namespaces of {@code pid}, the container's first process. */
    static void inContainer(OciHooks hooks, String kind, OciState state, OciSpec spec, long pid)
        throws OciException, IOException {
        List<OciHooks.Hook> list = hooks.named(kind);
        for (int i = 0; i < list.size(); i++) {
            inContainer(list.get(i), kind, i, state, spec, pid);
        }
    }

    private static void here(OciHooks.Hook h, String kind, int n, OciState state) throws OciException {
        ProcessBuilder pb = new ProcessBuilder(argv(h));
        pb.environment().clear();
        for (String e : h.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        pb.directory(Path.of(state.bundle()).toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw failed(kind, n, h, e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outCopy = Thread.startVirtualThread(() -> copy(p.getInputStream(), out));
        Thread errCopy = Thread.startVirtualThread(() -> copy(p.getErrorStream(), err));
        try (OutputStream in = p.getOutputStream()) {
            in.write(state.hookJson().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // a hook need not read its stdin
        }
        try {
            if (h.timeout() == null) {
                p.waitFor();
            } else if (!p.waitFor(h.timeout(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw failed(kind, n, h, "hook ran past its timeout of " + h.timeout() + "s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw failed(kind, n, h, "interrupted");
        }
        if (p.exitValue() != 0) {
            try { // the output up to the exit; a child the hook left behind may hold the pipes longer
                outCopy.join(1000);
                errCopy.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw failed(kind, n, h, "exit status " + p.exitValue() + output(out, err));
        }
    }

    private static void inContainer(OciHooks.Hook h, String kind, int n, OciState state, OciSpec spec, long pid)
        throws OciException, IOException {
        ProcessSpec process = new ProcessSpec(argv(h), h.env(), "/", 0, 0, List.of(), false, true, false, 24, 80);
        Program program = ProgramCompiler.compileExec(BundleExec.joins(spec, pid), process);
        StageSession s;
        try {
            s = StageSession.start(program, null);
            s.awaitCreated();
            s.go();
            s.awaitStarted();
        } catch (StageException e) {
            throw failed(kind, n, h, e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (s) {
            s.send(new Frame(Protocol.F_STDIN, state.hookJson().getBytes(StandardCharsets.UTF_8)));
            s.send(Frame.of(Protocol.F_STDIN_EOF));
            FutureTask<Integer> exit = new FutureTask<>(() -> drain(s, out, err));
            Thread.startVirtualThread(exit);
            int code;
            try {
                code = h.timeout() == null ? exit.get() : exit.get(h.timeout(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                s.send(Frame.ofInt(Protocol.F_SIGNAL, 9));
                throw failed(kind, n, h, "hook ran past its timeout of " + h.timeout() + "s");
            } catch (ExecutionException | InterruptedException e) {
                throw failed(kind, n, h, e.getMessage());
            }
            if (code != 0) {
                throw failed(kind, n, h, "exit status " + code + output(out, err));
            }
        }
    }

    private static int drain(StageSession s, ByteArrayOutputStream out, ByteArrayOutputStream err) throws IOException {
        for (Frame f; (f = s.next()) != null; ) {
            switch (f.type()) {
                case Protocol.F_STDOUT -> out.write(f.payload());
                case Protocol.F_STDERR -> err.write(f.payload());
                case Protocol.F_EXIT -> {
                    return WaitStatus.exitCode(f.intValue());
                }
                default -> { }
            }
        }
        return -1;
    }

    private static List<String> argv(OciHooks.Hook h) {
        List<String> argv = new ArrayList<>();
        argv.add(h.path());
        if (h.args().size() > 1) {
            argv.addAll(h.args().subList(1, h.args().size()));
        }
        return argv;
    }

    private static void copy(java.io.InputStream in, ByteArrayOutputStream to) {
        try (in) {
            in.transferTo(to);
        } catch (IOException ignored) {
            // the hook closed its end
        }
    }

    private static String output(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        String o = out.toString(StandardCharsets.UTF_8).strip();
        String e = err.toString(StandardCharsets.UTF_8).strip();
        return (o.isEmpty() ? "" : ", stdout: " + o) + (e.isEmpty() ? "" : ", stderr: " + e);
    }

    private static OciException failed(String kind, int n, OciHooks.Hook h, String why) {
        return new OciException("error running " + kind + " hook #" + n + " (" + h.path() + "): " + why);
    }
}
