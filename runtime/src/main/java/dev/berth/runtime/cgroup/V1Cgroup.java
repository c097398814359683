package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cgroup on a v1 host: a directory of the same path in every mounted hierarchy (named ones
 * such as {@code name=systemd} too, as runc does), and on a hybrid host in the v2 hierarchy as
 * well, which controls nothing there but gives the container its own v2 cgroup and
 * {@code cgroup.kill}.
 */
final class V1Cgroup implements Cgroup {
    private static final long SETTLE_MILLIS = 5000;

    private final String path;
    /** hierarchy key (controller field of /proc/self/cgroup) to [mount point, directory] */
    private final Map<String, Path[]> hierarchies = new LinkedHashMap<>();
    /** controller to directory; co-mounted controllers share one */
    private final Map<String, Path> dirs = new LinkedHashMap<>();
    /** the hybrid host's v2 directory; null when there is none or it could not be made */
    private Path[] unified;
    private final List<String> unsupported = new ArrayList<>();

    private V1Cgroup(Hierarchies hs, String cgroupsPath) throws CgroupException {
        this.path = cgroupsPath;
        for (Hierarchy h : hs.v1()) {
            Path dir = h.dir(cgroupsPath);
            hierarchies.put(h.key(), new Path[] {h.mountPoint(), dir});
            for (String c : h.controllers()) {
                dirs.put(c, dir);
            }
        }
        Hierarchy u = hs.unified();
        unified = u == null ? null : new Path[] {u.mountPoint(), u.dir(cgroupsPath)};
    }

    static V1Cgroup open(Hierarchies hs, String cgroupsPath) throws CgroupException {
        return new V1Cgroup(hs, cgroupsPath);
    }

    static V1Cgroup create(Hierarchies hs, String cgroupsPath, Resources r) throws CgroupException {
        r.validate();
        Checks.v1(r);
        V1Cgroup cg = new V1Cgroup(hs, cgroupsPath);
        V1Limits.require(r, cg.dirs);
        List<Path> created = new ArrayList<>();
        try {
            for (Path[] md : cg.hierarchies.values()) {
                created.addAll(Fs.mkdirs(md[0], md[1]));
            }
            if (cg.unified != null) {
                try {
                    created.addAll(Fs.mkdirs(cg.unified[0], cg.unified[1]));
                } catch (CgroupException e) {
                    // it limits nothing here, so a v2 mount we may not write (read-only in a
                    // container, say) costs only cgroup.kill
                    cg.unsupported.add("the cgroup v2 hierarchy of this hybrid host is not used (" + e.getMessage()
                        + "): kill() will return false");
                    cg.unified = null;
                }
            }
            Path cpuset = cg.dirs.get("cpuset");
            if (cpuset != null) {
                fillCpuset(cg.hierarchies.get(cg.keyOf("cpuset"))[0], cpuset);
            }
            Fs.apply(V1Limits.plan(r, cg.dirs, cg.unsupported));
        } catch (CgroupException e) {
            Fs.rollback(created);
            throw e;
        }
        return cg;
    }

    /**
     * A new cpuset cgroup starts with no cpus and no mems, and no task may join it until both are
     * set: copy them from the parent, top down, wherever they are empty.
     */
    private static void fillCpuset(Path mount, Path leaf) throws CgroupException {
        List<Path> chain = new ArrayList<>();
        for (Path p = leaf; !p.equals(mount) && p.startsWith(mount); p = p.getParent()) {
            chain.add(0, p);
        }
        for (String file : new String[] {"cpuset.cpus", "cpuset.mems"}) {
            String above = null; // the value just read or written one level up: not read twice
            for (Path p : chain) {
                String own = Fs.readRequired(p.resolve(file)).strip();
                if (own.isEmpty()) {
                    own = above != null ? above : Fs.readRequired(p.getParent().resolve(file)).strip();
                    Fs.write(p.resolve(file), own);
                }
                above = own;
            }
        }
    }

    private String keyOf(String controller) {
        for (Map.Entry<String, Path[]> e : hierarchies.entrySet()) {
            for (String c : e.getKey().split(",")) {
                if (c.equals(controller)) {
                    return e.getKey();
                }
            }
        }
        return null;
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<Path> dirs() {
        List<Path> out = new ArrayList<>();
        for (Path[] md : hierarchies.values()) {
            out.add(md[1]);
        }
        if (unified != null) {
            out.add(unified[1]);
        }
        return out;
    }

    @Override
    public boolean exists() {
        for (Path d : dirs()) {
            if (Fs.exists(d)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<String> unsupported() {
        return List.copyOf(unsupported);
    }

    /**
     * Every v1 hierarchy's {@code tasks}, then the hybrid v2 one's {@code cgroup.procs} where it
     * was made: "0" written to {@code tasks} moves the writing thread alone, which the kernel does
     * without its global migration lock (and the grace period that lock's first writer waits for).
     */
    @Override
    public List<Path> joinFiles() {
        List<Path> out = new ArrayList<>();
        for (Path[] md : hierarchies.values()) {
            out.add(md[1].resolve("tasks"));
        }
        if (unified != null && Fs.exists(unified[1])) {
            out.add(unified[1].resolve("cgroup.procs"));
        }
        return out;
    }

    @Override
    public void join(long pid) throws CgroupException {
        for (Path[] md : hierarchies.values()) {
            Fs.write(md[1].resolve("cgroup.procs"), Long.toString(pid));
        }
        if (unified != null && Fs.exists(unified[1])) {
            Fs.write(unified[1].resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    @Override
    public void update(Resources r) throws CgroupException {
        r.validate();
        Checks.v1(r);
        V1Limits.require(r, dirs);
        unsupported.clear();
        Resources.Memory m = r.memory();
        if (m != null && Boolean.TRUE.equals(m.checkBeforeUpdate()) && m.limit() != null && m.limit() != -1) {
            Long usage = Fs.number(dirs.get("memory").resolve("memory.usage_in_bytes"));
            if (usage != null && m.limit() < usage) {
                throw new CgroupException("memory.limit " + m.limit() + " is below the current usage " + usage
                    + " of " + dirs.get("memory") + " (checkBeforeUpdate): raise it or free memory first");
            }
        }
        Fs.apply(V1Limits.plan(r, dirs, unsupported));
    }

    @Override
    public void freeze() throws CgroupException {
        set("FROZEN");
    }

    @Override
    public void thaw() throws CgroupException {
        set("THAWED");
    }

    /**
     * Writes freezer.state and waits while it reads FREEZING. The write is repeated now and then:
     * a task that was forking or in the middle of a system call can keep one attempt from
     * completing. Freezing that does not settle is undone, so no task is left half stopped.
     */
    private void set(String state) throws CgroupException {
        Path d = dirs.get("freezer");
        if (d == null) {
            throw new CgroupException("cannot " + (state.equals("FROZEN") ? "freeze" : "thaw") + " " + path
                + ": the freezer controller is not mounted");
        }
        Path file = d.resolve("freezer.state");
        Fs.write(file, state);
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        for (int i = 1; !Fs.readRequired(file).strip().equals(state); i++) {
            if (System.nanoTime() > deadline) {
                Fs.write(file, "THAWED");
                throw new CgroupException("cgroup " + d + " did not become " + state + " within "
                    + SETTLE_MILLIS / 1000 + " s (freezer.state stayed FREEZING); it was thawed again");
            }
            Fs.sleep(Math.min(i, 20));
            if (i % 10 == 0) {
                Fs.write(file, state);
            }
        }
    }

    @Override
    public boolean isFrozen() throws CgroupException {
        Path d = dirs.get("freezer");
        return d != null && Fs.readRequired(d.resolve("freezer.state")).strip().equals("FROZEN");
    }

    @Override
    public Long oomKills() {
        Path mem = dirs.get("memory");
        return mem == null ? null : Fs.keyed(mem.resolve("memory.oom_control")).get("oom_kill");
    }

    @Override
    public CgroupStats stats() {
        return V1Stats.read(dirs);
    }

    /** The union over the hierarchies: a process that joined only some of them is still ours. */
    @Override
    public List<Long> pids() {
        Set<Long> out = new LinkedHashSet<>();
        for (Path d : dirs()) {
            Fs.pids(d, out);
        }
        return List.copyOf(out);
    }

    @Override
    public boolean kill() throws CgroupException {
        return unified != null && Fs.exists(unified[1]) && V2Cgroup.kill(unified[1]);
    }

    /** Every hierarchy is tried; the first failure is reported after the others were removed. */
    @Override
    public void delete() throws CgroupException {
        CgroupException first = null;
        for (Path d : dirs()) {
            try {
                Fs.removeTree(d);
            } catch (CgroupException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
