package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A cgroup in the v2 (unified) hierarchy: one directory. */
final class V2Cgroup implements Cgroup {
    /** Enabled on the way down when the parent offers them, so that stats() has their files. */
    private static final List<String> FOR_STATS = List.of("cpu", "io", "memory", "pids");
    private static final long SETTLE_MILLIS = 5000;

    private final Path mount;
    private final Path dir;
    private final String path;
    private final List<String> unsupported = new ArrayList<>();
    /** Null: the kernel. */
    private final DeviceFilter.Attach devices;

    V2Cgroup(Hierarchy h, String cgroupsPath, DeviceFilter.Attach devices) throws CgroupException {
        this.mount = h.mountPoint();
        this.dir = h.dir(cgroupsPath);
        this.path = cgroupsPath;
        this.devices = devices;
    }

    static V2Cgroup create(Hierarchy h, String cgroupsPath, Resources r, DeviceFilter.Attach attach)
            throws CgroupException {
        r.validate();
        Checks.v2(r);
        byte[] program = r.devices() == null ? null : DeviceFilter.program(r.devices());
        V2Cgroup cg = new V2Cgroup(h, cgroupsPath, attach);
        List<Path> created = Fs.mkdirs(cg.mount, cg.dir);
        try {
            cg.enable(V2Limits.controllers(r));
            Fs.apply(V2Limits.plan(r, cg.dir, cg.unsupported));
            if (program != null) {
                DeviceFilter.attach(cg.dir, program, attach);
            }
        } catch (CgroupException e) {
            Fs.rollback(created);
            throw e;
        }
        return cg;
    }

    /**
     * Enables the controllers in {@code cgroup.subtree_control} of every ancestor, top down (a
     * child can only offer what its parent enabled). {@code needed} ones must be offered;
     * those for stats are taken where offered. One write per ancestor, and none where all are on.
     */
    void enable(Set<String> needed) throws CgroupException {
        Set<String> wanted = new LinkedHashSet<>(needed);
        wanted.addAll(FOR_STATS);
        List<Path> ancestors = new ArrayList<>();
        for (Path p = dir.getParent(); p != null && p.startsWith(mount); p = p.getParent()) {
            ancestors.add(0, p);
        }
        for (Path p : ancestors) {
            List<String> offered = words(Fs.read(p.resolve("cgroup.controllers")));
            List<String> enabled = words(Fs.read(p.resolve("cgroup.subtree_control")));
            StringBuilder must = new StringBuilder();
            StringBuilder may = new StringBuilder();
            for (String c : wanted) {
                if (enabled.contains(c)) {
                    continue;
                }
                if (offered.contains(c)) {
                    StringBuilder sb = needed.contains(c) ? must : may;
                    sb.append(sb.isEmpty() ? "+" : " +").append(c);
                } else if (needed.contains(c)) {
                    throw new CgroupException("the limits need the " + c + " controller, which " + p
                        + " does not offer (see its cgroup.controllers): enable it in the parent's "
                        + "cgroup.subtree_control, or drop those limits");
                }
            }
            Path control = p.resolve("cgroup.subtree_control");
            if (!may.isEmpty()) {
                try {
                    // all at once; the kernel may refuse one (cpu, while real-time tasks sit
                    // outside the root), and stats can do without them
                    Fs.write(control, must.isEmpty() ? may.toString() : must + " " + may);
                    continue;
                } catch (CgroupException e) {
                    // retried below with the needed ones only
                }
            }
            if (!must.isEmpty()) {
                try {
                    Fs.write(control, must.toString());
                } catch (CgroupException e) {
                    throw new CgroupException(e.getMessage() + "; a cgroup with processes of its own cannot "
                        + "hand controllers down, so move them into a leaf cgroup", e);
                }
            }
        }
    }

    @Override
    public int version() {
        return 2;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<Path> dirs() {
        return List.of(dir);
    }

    @Override
    public boolean exists() {
        return Fs.exists(dir);
    }

    @Override
    public List<String> unsupported() {
        return List.copyOf(unsupported);
    }

    @Override
    public List<Path> joinFiles() {
        return List.of(dir.resolve("cgroup.procs"));
    }

    @Override
    public void join(long pid) throws CgroupException {
        Fs.write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    @Override
    public void update(Resources r) throws CgroupException {
        r.validate();
        Checks.v2(r);
        byte[] program = r.devices() == null ? null : DeviceFilter.program(r.devices());
        unsupported.clear();
        enable(V2Limits.controllers(r));
        checkBeforeUpdate(r);
        Fs.apply(V2Limits.plan(r, dir, unsupported));
        if (program != null) {
            DeviceFilter.attach(dir, program, devices);
        }
    }

    private void checkBeforeUpdate(Resources r) throws CgroupException {
        Resources.Memory m = r.memory();
        if (m == null || !Boolean.TRUE.equals(m.checkBeforeUpdate()) || m.limit() == null || m.limit() == -1) {
            return;
        }
        Long usage = Fs.number(dir.resolve("memory.current"));
        if (usage != null && m.limit() < usage) {
            throw new CgroupException("memory.limit " + m.limit() + " is below the current usage " + usage
                + " of " + dir + " (checkBeforeUpdate): raise it or free memory first");
        }
    }

    @Override
    public void freeze() throws CgroupException {
        set(true);
    }

    @Override
    public void thaw() throws CgroupException {
        set(false);
    }

    /** Writes cgroup.freeze, then waits for cgroup.events to say the kernel got there. */
    private void set(boolean frozen) throws CgroupException {
        Path freeze = dir.resolve("cgroup.freeze");
        if (!Fs.exists(freeze)) {
            throw new CgroupException("cannot " + (frozen ? "freeze " : "thaw ") + dir
                + ": no cgroup.freeze (the v2 freezer needs Linux 5.2)");
        }
        Fs.write(freeze, frozen ? "1" : "0");
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        for (long pause = 1; isFrozen() != frozen; pause = Math.min(pause * 2, 50)) {
            if (System.nanoTime() > deadline) {
                if (frozen) {
                    Fs.write(freeze, "0");
                }
                throw new CgroupException("cgroup " + dir + " did not become " + (frozen ? "frozen" : "thawed")
                    + " within " + SETTLE_MILLIS / 1000 + " s (cgroup.events)");
            }
            Fs.sleep(pause);
        }
    }

    @Override
    public boolean isFrozen() {
        Long f = Fs.keyed(dir.resolve("cgroup.events")).get("frozen");
        return f != null && f == 1;
    }

    @Override
    public Long oomKills() {
        return Fs.keyed(dir.resolve("memory.events")).get("oom_kill");
    }

    @Override
    public CgroupStats stats() {
        return V2Stats.read(dir);
    }

    @Override
    public List<Long> pids() {
        Set<Long> out = new LinkedHashSet<>();
        Fs.pids(dir, out);
        return List.copyOf(out);
    }

    @Override
    public boolean kill() throws CgroupException {
        return kill(dir);
    }

    /** Writes cgroup.kill of {@code dir} when the kernel has it (5.14); shared with hybrid v1. */
    static boolean kill(Path dir) throws CgroupException {
        Path file = dir.resolve("cgroup.kill");
        if (!Fs.exists(file)) {
            return false;
        }
        Fs.write(file, "1");
        return true;
    }

    @Override
    public void delete() throws CgroupException {
        Fs.removeTree(dir);
    }

    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        if (s == null) {
            return out;
        }
        for (String w : s.strip().split(" ")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
