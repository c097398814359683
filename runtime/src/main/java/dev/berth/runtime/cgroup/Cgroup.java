package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One container's cgroup, on cgroup v1 (a directory in every mounted hierarchy) or v2 (one
 * directory). Made by {@link Cgroups#create} or found by {@link Cgroups#open}. Signalling is the
 * caller's: {@link #pids()} says whom, and only {@link #kill()} kills, where the kernel can.
 */
public interface Cgroup {
    /** 1 or 2. A v1 host with a cgroup2 mount beside (hybrid) is 1. */
    int version();

    /** The cgroupsPath this handle was made for, as given (absolute, or relative to our cgroup). */
    String path();

    /** The cgroup's directories: one per hierarchy on v1 (with the v2 one of a hybrid host). */
    List<Path> dirs();

    /** True while any of its directories exists. */
    boolean exists();

    /**
     * What the last {@code create} or {@code update} could not apply and left out without failing,
     * one line each: v1-only knobs on v2, kernel memory limits. Empty when everything was applied.
     */
    List<String> unsupported();

    /**
     * The files a new single-threaded process joins by writing "0" (itself) into each before
     * {@code unshare(CLONE_NEWCGROUP)}, so that its cgroup namespace is rooted at this cgroup: a
     * v1 hierarchy's {@code tasks}, a v2 directory's {@code cgroup.procs} (which the stage may
     * spare it: {@code ProgramCompiler.joinCgroup}). Each file's directory is the cgroup's there.
     */
    List<Path> joinFiles();

    /** Moves a process (all its threads) into this cgroup in every hierarchy. */
    void join(long pid) throws CgroupException;

    /** Writes the given limits; null fields stay as they are. */
    void update(Resources resources) throws CgroupException;

    /** Stops every process in it and returns once the kernel reports them frozen. */
    void freeze() throws CgroupException;

    void thaw() throws CgroupException;

    boolean isFrozen() throws CgroupException;

    /** Usage and limits as the kernel reports them; what cannot be read is null. */
    CgroupStats stats();

    /**
     * Processes the kernel's OOM killer has killed in it (v1 {@code memory.oom_control},
     * v2 {@code memory.events}: {@code oom_kill}); null without a memory controller or on a
     * kernel before 4.13, which does not count them.
     */
    Long oomKills();

    /** Every process in this cgroup and below it. */
    List<Long> pids();

    /**
     * SIGKILLs every process in it and below through {@code cgroup.kill} (Linux 5.14) and returns
     * true; false when the kernel or hierarchy has no such file, and the caller signals
     * {@link #pids()}. On a hybrid v1 host the v2 hierarchy's {@code cgroup.kill} is used.
     */
    boolean kill() throws CgroupException;

    /**
     * One rmdir per directory, without retrying or listing it: true when the cgroup is gone
     * from every hierarchy, the usual case once its processes were reaped; false leaves the rest
     * to {@link #pids()}, {@link #kill()} and {@link #delete()}. Listing the directories first
     * costs more than the rmdirs: a v1 memory cgroup's holds some 30 files, each one stat'ed.
     */
    default boolean deleteIfEmpty() {
        boolean gone = true;
        for (Path d : dirs()) {
            gone &= Fs.rmdirOnce(d);
        }
        return gone;
    }

    /**
     * Removes the cgroup and the cgroups below it in every hierarchy, retrying for about a second
     * while exiting processes still hold it. A missing cgroup is fine, so it can be called twice.
     */
    void delete() throws CgroupException;
}
