package dev.berth.engine;

import dev.berth.linux.Errno;
import dev.berth.linux.Namespaces;
import dev.berth.linux.NsKind;
import dev.berth.linux.Procs;
import dev.berth.runtime.IdMap;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.Trace;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Protocol;
import dev.berth.runtime.stage.StageException;
import dev.berth.runtime.stage.StageSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker exec as setns: a new stage joins every namespace of the container's first process that
 * differs from ours (the user namespace first), then forks, so the command is inside the
 * container's PID namespace, mounts and root.
 */
final class Exec {
    private Exec() {}

    @SuppressWarnings("unchecked")
    static Attachment start(Engine engine, Map<String, Object> s, ExecRequest r) throws EngineException {
        String name = Inspect.name(s);
        if (!Inspect.isRunning(s)) {
            throw new EngineException.InvalidState("container " + name + " is not running; start it first");
        }
        if (Inspect.isPaused(s)) {
            // its frozen processes could not serve the exec, and the new one would freeze on joining
            throw new EngineException.InvalidState("container " + name
                + " is paused, unpause the container before exec");
        }
        if (r.command.isEmpty()) {
            throw new EngineException.InvalidArgument("no command given to exec");
        }
        long pid = Inspect.pid(s);
        Map<NsKind, Path> joins = joins(pid, name);
        Map<String, Object> config = Json.map(s, "Config");
        Path etc = Path.of("/proc/" + pid + "/root/etc");
        String userSpec = r.user != null ? r.user : (String) config.get("User");
        Users.User user = Users.resolve(etc, userSpec);
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : (List<Object>) config.get("Env")) {
            String kv = String.valueOf(e);
            int eq = kv.indexOf('=');
            env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        if (userSpec != null && !userSpec.isEmpty()) {
            env.put("HOME", user.home());
        }
        env.putAll(r.env);
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String wd = (String) config.get("WorkingDir");
        String cwd = r.workdir != null ? r.workdir : wd == null || wd.isEmpty() ? "/" : wd;
        ProcessSpec proc = new ProcessSpec(r.command, envList, cwd, user.uid(), user.gid(), user.groups(),
            r.tty, r.stdin, false, r.rows, r.cols, Confinement.forExec(Json.map(s, "HostConfig")));
        Program program = ProgramCompiler.compileExec(joins, cgroupProcs(Engine.cgroupPath(s)), proc,
            (String) s.get("Id"));
        // docker's: the action names the command, execID the instance
        String execId = r.id != null ? r.id : Names.newId();
        String command = String.join(" ", r.command);
        Map<String, String> attrs = Map.of("execID", execId);
        Events.container(engine, s, "exec_create: " + command, attrs);
        Attachment a = launch(program, engine.dir((String) s.get("Id")).resolve("monitor.log"), "container " + name,
            code -> Events.container(engine, s, "exec_die", Map.of("execID", execId, "exitCode", String.valueOf(code))));
        Events.container(engine, s, "exec_start: " + command, attrs);
        return a;
    }

    /** The files that join the container's cgroup ({@code Cgroup.joinFiles}), so that an exec counts against its limits (as docker's does). */
    private static List<String> cgroupProcs(String path) throws EngineException {
        List<String> out = new ArrayList<>();
        try {
            var cgroup = dev.berth.runtime.cgroup.Cgroups.detect().open(path);
            if (cgroup.exists()) {
                for (Path f : cgroup.joinFiles()) {
                    out.add(f.toString());
                }
            }
        } catch (dev.berth.runtime.cgroup.CgroupException e) {
            throw new EngineException.SystemFailure("cannot find the container's cgroup: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * nsenter: {@code command} in the namespaces of {@code joins} (files under /proc/PID/ns, or
     * bind mounts of them), as root, with this process's environment; no container involved.
     */
    static Attachment enter(Map<NsKind, Path> joins, ExecRequest r, String what) throws EngineException {
        if (r.command.isEmpty()) {
            throw new EngineException.InvalidArgument("no command given");
        }
        List<String> envList = callerEnv(r);
        String cwd = r.workdir != null ? r.workdir : "/";
        ProcessSpec proc = new ProcessSpec(r.command, envList, cwd, 0, 0, List.of(), r.tty, r.stdin, false,
            r.rows, r.cols);
        return launch(ProgramCompiler.compileExec(joins, proc), null, what);
    }

    /** unshare(1): {@code r}'s command in new namespaces of {@code kinds}; see ProgramCompiler.compileUnshare. */
    static Attachment unshare(List<NsKind> kinds, boolean mapRoot, boolean mountProc, Map<NsKind, Path> persist,
        ExecRequest r) throws EngineException {
        if (r.command.isEmpty()) {
            throw new EngineException.InvalidArgument("no command given");
        }
        if (kinds.isEmpty()) {
            throw new EngineException.InvalidArgument("no namespace to unshare: give at least one of --user,"
                + " --mount, --pid, --net, --uts, --ipc, --cgroup, --time");
        }
        if (mountProc && !kinds.contains(NsKind.MNT)) {
            throw new EngineException.InvalidArgument("a fresh /proc needs a new mount namespace: add --mount");
        }
        for (NsKind k : persist.keySet()) {
            if (!kinds.contains(k)) {
                throw new EngineException.InvalidArgument("cannot persist the " + k.procName()
                    + " namespace: it is not a new one; add --" + k.procName());
            }
        }
        List<String> envList = callerEnv(r);
        String cwd = r.workdir != null ? r.workdir : System.getProperty("user.dir", "/");
        ProcessSpec proc = new ProcessSpec(r.command, envList, cwd, 0, 0, List.of(), r.tty, r.stdin, false,
            r.rows, r.cols);
        IdMap uid = null;
        IdMap gid = null;
        if (mapRoot) {
            uid = new IdMap(0, Procs.effectiveUid(), 1);
            gid = new IdMap(0, Procs.effectiveGid(), 1);
        }
        return launch(ProgramCompiler.compileUnshare(kinds, uid, gid, mountProc, persist, proc), null, "new namespaces");
    }

    /** This process's environment (less the launcher's fds) with the request's on top: nsenter's. */
    static List<String> callerEnv(ExecRequest r) {
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.remove("BERTH_STAGE_FDS");
        env.putAll(r.env);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    static Attachment launch(Program program, Path log, String what) throws EngineException {
        return launch(program, log, what, null);
    }

    /** {@code onExit} (may be null) learns the exit code, when whoever reads the output sees it. */
    static Attachment launch(Program program, Path log, String what, java.util.function.IntConsumer onExit)
        throws EngineException {
        StageSession session = null;
        try {
            session = StageSession.start(program, log);
            Trace.mark("exec stage taken");
            session.awaitCreated();
            Trace.mark("exec set up");
            session.go();
            session.awaitStarted();
            Trace.mark("exec started");
            if (onExit == null) {
                return new Attachment(session);
            }
            return new Attachment(session) {
                @Override
                protected int exited(int code) {
                    if (code >= 0) {
                        onExit.accept(code);
                    }
                    return code;
                }
            };
        } catch (StageException e) {
            kill(session);
            boolean execStep = e.step() >= 0 && e.step() < program.records().size()
                && program.records().get(e.step()).op() == Protocol.OP_EXEC;
            if (execStep) {
                boolean notFound = e.errno() == Errno.ENOENT;
                throw new EngineException.CommandFailed(notFound
                    ? "exec: \"" + e.detail() + "\": executable file not found in $PATH"
                    : "exec: \"" + e.detail() + "\": " + Errno.describe(e.errno()), notFound, e);
            }
            throw new EngineException.SystemFailure("cannot exec in " + what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            kill(session);
            throw new EngineException.SystemFailure("cannot exec in " + what + ": " + e.getMessage(), e);
        }
    }

    private static StageSession kill(StageSession s) {
        if (s != null) {
            s.kill();
        }
        return null;
    }

    /** The namespaces of {@code pid} that are not ours, by comparing inode numbers. */
    static Map<NsKind, Path> joins(long pid, String name) throws EngineException {
        Map<NsKind, Path> out = new EnumMap<>(NsKind.class);
        try {
            for (NsKind k : NsKind.values()) {
                if (Namespaces.inode(pid, k) != Namespaces.inode(0, k)) {
                    out.put(k, Namespaces.path(pid, k));
                }
            }
        } catch (IOException e) {
            if (Procs.startTime(pid) < 0) {
                throw new EngineException.InvalidState("container " + name + " is not running; start it first");
            }
            throw new EngineException.SystemFailure("cannot read the namespaces of " + pid + ": " + e.getMessage(), e);
        }
        return out;
    }
}
