package dev.berth.runtime.security;

import java.util.List;

/**
 * What a process may do, fully resolved: its capability sets (null: keep what it has), no new
 * privileges, a compiled seccomp filter (null: none), rlimits, an OOM score adjustment and a
 * personality (null: unchanged), and the umask it starts with.
 */
public record ProcessSecurity(
    CapSets caps,
    boolean noNewPrivileges,
    byte[] seccomp,
    int seccompFlags,
    List<Rlimit> rlimits,
    Integer oomScoreAdj,
    Long personality,
    int umask) {

    /** Nothing changed: the process keeps what the stage had (namespace tools, netns exec). */
    public static final ProcessSecurity NONE = new ProcessSecurity(null, false, null, 0, List.of(), null, null, 022);

    public ProcessSecurity {
        rlimits = List.copyOf(rlimits);
    }
}
