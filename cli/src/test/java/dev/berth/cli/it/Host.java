package dev.berth.cli.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Looks at containers from the outside, as the seeds do: /proc/PID/ns inodes, mounts, processes. */
final class Host {
    private static final Pattern PID = Pattern.compile("\"Pid\"\\s*:\\s*(\\d+)");
    private static final Pattern MONITOR = Pattern.compile("\"MonitorPid\"\\s*:\\s*(\\d+)");

    private Host() {}

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether /etc/group names {@code group}. */
    static boolean groupExists(String group) throws IOException {
        return Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith(group + ":"));
    }

    static String ns(long pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
    }

    static String ownNs(String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/" + kind)).toString();
    }

    static long pid(Berth berth, String ref) throws Exception {
        return field(berth, ref, PID);
    }

    static long monitorPid(Berth berth, String ref) throws Exception {
        return field(berth, ref, MONITOR);
    }

    private static long field(Berth berth, String ref, Pattern p) throws Exception {
        Matcher m = p.matcher(berth.ok("inspect", ref));
        if (!m.find()) {
            throw new AssertionError("no such field in inspect " + ref);
        }
        return Long.parseLong(m.group(1));
    }

    static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    /** Alive and not a zombie: a process that exited counts as gone before its parent reaps it. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Mount points on the host that lie under {@code dir}: there must be none, ever. */
    static List<String> mountsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String target = line.split(" ")[4];
            if (target.startsWith(dir.toString())) {
                out.add(target);
            }
        }
        return out;
    }

    /** How many processes the container's pids cgroup holds. */
    static int processesIn(Berth berth, String id) throws IOException {
        return Files.readAllLines(cgroupDir(berth, id, "pids").resolve("cgroup.procs")).size();
    }

    /**
     * After an exec of "echo started > /tmp/ranN; sleep 0.3; echo finished > /tmp/ranN" into the
     * container {@code id} (first process {@code pid}) whose caller was killed: what it started
     * goes on to its end ({@code started}) or never ran, and then nothing of it is left, neither
     * in the container's cgroup nor a stage under the root ({@code before}: the processes there).
     */
    static void assertExecWhollyOrNotAtAll(Berth berth, String id, long pid, List<Long> before, int n,
        boolean started, String what) throws Exception {
        Path ran = Path.of("/proc/" + pid + "/root/tmp/ran" + n);
        for (int t = 0; t < 100 && (processesIn(berth, id) > 1 || !processesUnder(berth.root()).equals(before)); t++) {
            Thread.sleep(50);
        }
        org.junit.jupiter.api.Assertions.assertEquals(1, processesIn(berth, id), "a process of the exec stayed in the container");
        org.junit.jupiter.api.Assertions.assertEquals(before, processesUnder(berth.root()), "a stage of the exec stayed");
        org.junit.jupiter.api.Assertions.assertEquals(started ? "finished\n" : null,
            Files.exists(ran) ? Files.readString(ran) : null, what);
    }

    /**
     * What a test that failed half-way may have left of its state root {@code dir} and its cgroup
     * {@code cgroup}, removed in an order that cannot harm the host: the processes in the cgroup
     * and those working under {@code dir} (monitors) killed by pid, mounts under it detached
     * (deepest first), so the removal of the tree never follows a bind into the host's files,
     * then the tree and the cgroup.
     */
    static void scrub(Path dir, String cgroup) throws IOException {
        String mark = cgroup + "/";
        List<Long> pids = new ArrayList<>(processesUnder(dir));
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                if (Files.readString(Path.of("/proc/" + p.pid() + "/cgroup")).contains(mark)) {
                    pids.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        List<String> mounts = mountsUnder(dir);
        for (int i = mounts.size() - 1; i >= 0; i--) {
            try {
                new ProcessBuilder("umount", "-l", mounts.get(i)).inheritIO().start().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while unmounting " + mounts.get(i), e);
            }
        }
        if (!mountsUnder(dir).isEmpty()) {
            throw new IOException("mounts stay under " + dir + ": " + mountsUnder(dir) + "; not removing it");
        }
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removing " + dir, e);
        }
        for (int i = 0; i < 100; i++) { // a killed process leaves its cgroup when the kernel has reaped it
            try {
                removeCgroups(cgroup);
                return;
            } catch (IOException e) {
                if (i == 99) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Removes a test's own cgroup {@code path} (and any cgroup below it) from every hierarchy:
     * cgroup directories go with rmdir, their files with them. Only paths named after a test root.
     */
    static void removeCgroups(String path) throws IOException {
        if (!path.startsWith("/berth-t")) {
            throw new IllegalArgumentException("not a test cgroup: " + path);
        }
        List<Path> tops = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            tops.addAll(s.filter(Files::isDirectory).toList());
        }
        for (Path top : tops) {
            Path dir = top.resolve(path.substring(1));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var walk = Files.walk(dir)) {
                for (Path d : walk.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(d);
                }
            }
        }
    }

    /**
     * The container's cgroup directory for {@code controller}: in that controller's v1
     * hierarchy where it is mounted, else in the v2 hierarchy.
     */
    static Path cgroupDir(Berth berth, String id, String controller) {
        String rel = berth.cgroupParent().substring(1) + "/" + id;
        Path v1 = Path.of("/sys/fs/cgroup", controller);
        return Files.isDirectory(v1) ? v1.resolve(rel) : Path.of("/sys/fs/cgroup").resolve(rel);
    }

    /** A limit as the kernel has it: the v1 file where the controller is mounted as v1, else the v2 one. */
    static String cgroupValue(Berth berth, String id, String controller, String v1File, String v2File)
        throws IOException {
        boolean v1 = Files.isDirectory(Path.of("/sys/fs/cgroup", controller));
        return Files.readString(cgroupDir(berth, id, controller).resolve(v1 ? v1File : v2File)).strip();
    }

    /** What the kernel says of the container's freezer: freezer.state on v1, cgroup.events on v2. */
    static boolean frozen(Berth berth, String id) throws IOException {
        Path dir = cgroupDir(berth, id, "freezer");
        if (Files.isDirectory(Path.of("/sys/fs/cgroup/freezer"))) {
            return Files.readString(dir.resolve("freezer.state")).strip().equals("FROZEN");
        }
        return Files.readString(dir.resolve("cgroup.events")).contains("frozen 1");
    }

    /**
     * Waits for a container to reach a point it marks by creating {@code file} (seen from the
     * host through /proc/PID/root); fails after a minute, which only a hung container takes.
     */
    static void awaitFile(long pid, String file) throws Exception {
        Path p = Path.of("/proc/" + pid + "/root" + file);
        for (int i = 0; !Files.exists(p); i++) {
            if (i > 6000) {
                throw new AssertionError(file + " never appeared in the container of " + pid);
            }
            Thread.sleep(10);
        }
    }

    /** Running processes (not zombies) whose command line names {@code dir}, such as pasta's. */
    static List<Long> processesNaming(Path dir) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"));
                if (cmd.contains(dir + "/") && running(p.pid())) {
                    out.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        return out;
    }

    /** Processes whose working directory lies under {@code dir}: monitors of this test's root. */
    static List<Long> processesUnder(Path dir) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                Path cwd = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd"));
                if (cwd.startsWith(dir)) {
                    out.add(p.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone, or a kernel thread
            }
        });
        return out;
    }
}
