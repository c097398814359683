package dev.berth.engine;

import dev.berth.linux.NsKind;
import dev.berth.runtime.ProcessSpec;
import dev.berth.runtime.ProgramCompiler;
import dev.berth.runtime.stage.NsScanner;
import dev.berth.runtime.stage.Program;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named network namespaces, in iproute2's files: {@code /run/netns/NAME} is a bind mount of the
 * namespace, {@code /etc/netns/NAME/*} is bound over {@code /etc} for {@code exec}. So
 * {@code ip netns} sees what berth made and berth sees what {@code ip netns} made. Mounts are
 * made by the stage, in the host's mount namespace; nothing runs {@code ip}.
 */
public final class Netns {
    private final Path dir;
    private final Path etc;

    /** iproute2's places: {@code /run/netns} and {@code /etc/netns}. */
    public Netns() {
        this(Path.of("/run/netns"), Path.of("/etc/netns"));
    }

    Netns(Path dir, Path etc) {
        this.dir = dir;
        this.etc = etc;
    }

    /** The names, sorted. */
    public List<String> list() throws EngineException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read " + dir + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /**
     * The id this network namespace gives each named one ({@code ip netns list}'s
     * {@code (id: N)}), for those that have one.
     */
    public Map<String, Integer> ids() throws EngineException {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        List<String> names = list();
        if (names.isEmpty()) {
            return out;
        }
        try (dev.berth.linux.netlink.Rtnl rtnl = dev.berth.linux.netlink.Rtnl.open()) {
            for (String name : names) {
                try {
                    int id = rtnl.nsid(dir.resolve(name));
                    if (id >= 0) {
                        out.put(name, id);
                    }
                } catch (dev.berth.linux.ErrnoException e) {
                    // a file that is no namespace (a mount gone): no id, as ip shows it
                }
            }
        } catch (dev.berth.linux.ErrnoException e) {
            throw new EngineException.SystemFailure("cannot read network namespace ids: " + e.getMessage(), e);
        }
        return out;
    }

    /** The namespace file of {@code name}, which must exist. */
    public Path path(String name) throws EngineException {
        validate(name);
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            throw new EngineException.NotFound("no network namespace named " + name
                + "; see berth netns list, or create it with berth netns add " + name);
        }
        return p;
    }

    /**
     * The file of {@code name}, which must hold a network namespace: a bind mount of one, not an
     * empty file a crashed {@code ip netns add} left, nor another kind.
     */
    private Path namespace(String name) throws EngineException {
        Path p = path(name);
        String ns = dev.berth.linux.Namespaces.nsfsMounts().get(p.toAbsolutePath().normalize().toString());
        if (ns == null || !ns.startsWith("net:")) {
            throw new EngineException.InvalidArgument(p + " is not a network namespace ("
                + (ns == null ? "nothing is mounted on it" : "it holds " + ns) + "); remove it with berth netns delete " + name);
        }
        return p;
    }

    /** Creates {@code name}: a new network namespace, or the one of {@code pid} (attach). */
    public void add(String name, long pid) throws EngineException {
        validate(name);
        Path file = dir.resolve(name);
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
        } catch (FileAlreadyExistsException e) {
            throw new EngineException.Conflict("network namespace " + name + " already exists; delete it first"
                + " (berth netns delete " + name + ") or pick another name");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new EngineException.PermissionDenied("cannot create " + file + ": permission denied; run berth as root");
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot create " + file + ": " + e.getMessage(), e);
        }
        Path source = null;
        if (pid > 0) {
            source = Path.of("/proc/" + pid + "/ns/net");
            if (!Files.exists(source)) {
                deleteQuietly(file);
                throw new EngineException.NotFound("no such process: " + pid);
            }
        }
        try {
            runToEnd(ProgramCompiler.compileNetnsPin(file, source, done()), "network namespace " + name);
        } catch (EngineException e) {
            // nothing left behind: a mount made before a later step failed goes first, then the file
            if (dev.berth.linux.Namespaces.nsfsMounts().containsKey(file.toString())) {
                try {
                    runToEnd(ProgramCompiler.compileUnmount(file, done()), "network namespace " + name);
                } catch (EngineException ignored) {
                    // the error already reported is the one that matters
                }
            }
            deleteQuietly(file);
            throw e;
        }
    }

    /** Gives the namespace {@code name} the id {@code id} in ours (ip netns set). */
    public void setId(String name, int id) throws EngineException {
        if (id < 0) {
            throw new EngineException.InvalidArgument("invalid netns id " + id + ": use 0 or more");
        }
        runToEnd(ProgramCompiler.compileNsid(namespace(name), id, done()), "network namespace " + name);
    }

    /** Unmounts and removes {@code name}; the namespace lives on while processes are in it. */
    public void delete(String name) throws EngineException {
        Path file = path(name);
        if (dev.berth.linux.Namespaces.nsfsMounts().containsKey(file.toAbsolutePath().normalize().toString())) {
            runToEnd(ProgramCompiler.compileUnmount(file, done()), "network namespace " + name);
        } // else a file with nothing mounted on it (a crash between create and mount): removed as it is
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot remove " + file + ": " + e.getMessage(), e);
        }
    }

    /** Detaches the bind mount at {@code file} in the host's mount namespace (the file stays). */
    static void unmount(Path file) throws EngineException {
        runToEnd(ProgramCompiler.compileUnmount(file, done()), "the namespace at " + file);
    }

    /** The names whose namespace is the network namespace of {@code pid} (ip netns identify). */
    public List<String> identify(long pid) throws EngineException {
        long ino;
        try {
            ino = dev.berth.linux.Namespaces.inode(pid, NsKind.NET);
        } catch (IOException e) {
            throw new EngineException.NotFound("no such process: " + pid);
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : inodes().entrySet()) {
            if (e.getValue() == ino) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** The processes in the namespace {@code name} (ip netns pids). */
    public List<Integer> pids(String name) throws EngineException {
        Path file = namespace(name);
        try {
            NsScanner.Result r = NsScanner.scan(true, false, List.of(file.toString()));
            long ino = r.paths().get(0).inode();
            List<Integer> out = new ArrayList<>();
            for (NsScanner.Proc p : r.procs()) {
                Long net = p.inodes().get(NsKind.NET);
                if (net != null && net == ino) {
                    out.add(p.pid());
                }
            }
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot scan the processes: " + e.getMessage(), e);
        }
    }

    /** Runs a command in {@code name}, with {@code /etc/netns/NAME/*} over {@code /etc} (ip netns exec). */
    public Attachment exec(String name, ExecRequest r) throws EngineException {
        Path file = namespace(name);
        if (r.command.isEmpty()) {
            throw new EngineException.InvalidArgument("no command given to netns exec");
        }
        Map<Path, Path> binds = new LinkedHashMap<>();
        Path own = etc.resolve(name);
        if (Files.isDirectory(own)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(own)) {
                for (Path p : ds) {
                    Path target = Path.of("/etc").resolve(p.getFileName().toString());
                    if (Files.exists(target)) { // iproute2 skips what /etc does not have
                        binds.put(p, target);
                    }
                }
            } catch (IOException e) {
                throw new EngineException.SystemFailure("cannot read " + own + ": " + e.getMessage(), e);
            }
        }
        List<String> envList = Exec.callerEnv(r);
        ProcessSpec proc = new ProcessSpec(r.command, envList, r.workdir != null ? r.workdir : "/", 0, 0, List.of(),
            r.tty, r.stdin, false, r.rows, r.cols);
        return Exec.launch(ProgramCompiler.compileNetnsExec(file, binds, proc), null, "network namespace " + name);
    }

    private Map<String, Long> inodes() throws EngineException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : list()) {
            try {
                out.put(name, ((Number) Files.getAttribute(dir.resolve(name), "unix:ino")).longValue());
            } catch (IOException e) {
                // deleted meanwhile
            }
        }
        return out;
    }

    /** Runs a program whose command is a no-op, and waits for it. */
    private static void runToEnd(Program program, String what) throws EngineException {
        Attachment a = Exec.launch(program, null, what);
        try {
            int code = a.pipeOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
            if (code != 0) {
                throw new EngineException.SystemFailure("cannot set up " + what + ": exit status " + code, null);
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot set up " + what + ": " + e.getMessage(), e);
        } finally {
            a.close();
        }
    }

    /** The no-op that ends a program run only for its steps. */
    private static ProcessSpec done() {
        return new ProcessSpec(List.of("true"), List.of("PATH=" + Engine.DEFAULT_PATH), "/", 0, 0, List.of(),
            false, false, false, 24, 80);
    }

    private static void validate(String name) throws EngineException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
            || name.indexOf('\0') >= 0 || name.length() > 255) {
            throw new EngineException.InvalidArgument("invalid network namespace name \"" + name
                + "\": use a plain file name (no '/', not '.' or '..')");
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the error already reported is the one that matters
        }
    }
}
