package dev.berth.runtime.oci;

import java.util.List;

/**
 * {@code process}: what runs in the container. Unset optional objects are null, unset strings
 * "", unset lists empty. Fields berth cannot apply are kept so that it can say so
 * ({@link OciSupport}).
 *
 * @param commandLine Windows only: ignored
 * @param oomScoreAdj null when unset, which leaves the value inherited from the runtime
 */
public record OciProcess(
    boolean terminal,
    ConsoleSize consoleSize,
    User user,
    List<String> args,
    String commandLine,
    List<String> env,
    String cwd,
    Capabilities capabilities,
    List<Rlimit> rlimits,
    boolean noNewPrivileges,
    String apparmorProfile,
    String selinuxLabel,
    Integer oomScoreAdj,
    IoPriority ioPriority,
    Scheduler scheduler,
    CpuAffinity execCPUAffinity) {

    public OciProcess {
        args = List.copyOf(args);
        env = List.copyOf(env);
        rlimits = List.copyOf(rlimits);
    }

    /** The terminal's initial size, when {@code terminal} is set. */
    public record ConsoleSize(long height, long width) {}

    /**
     * @param uid unsigned 32-bit, in the container's user namespace
     * @param umask null when unset (runc then uses 0022)
     * @param username Windows only: ignored
     */
    public record User(long uid, long gid, Long umask, List<Long> additionalGids, String username) {
        public static final User ROOT = new User(0, 0, null, List.of(), "");

        public User {
            additionalGids = List.copyOf(additionalGids);
        }
    }

    /** The five capability sets, as CAP_* names ({@link OciNames#capability}). */
    public record Capabilities(List<String> bounding, List<String> effective,
        List<String> inheritable, List<String> permitted, List<String> ambient) {
        public Capabilities {
            bounding = List.copyOf(bounding);
            effective = List.copyOf(effective);
            inheritable = List.copyOf(inheritable);
            permitted = List.copyOf(permitted);
            ambient = List.copyOf(ambient);
        }
    }

    /**
     * One resource limit. {@code hard} and {@code soft} are unsigned 64-bit (compare them with
     * Long.compareUnsigned): RLIM_INFINITY is 18446744073709551615, which is -1 here.
     */
    public record Rlimit(String type, long hard, long soft) {
        /** The RLIMIT_* number. */
        public int resource() {
            return OciNames.rlimit(type);
        }
    }

    /** ioprio_set(2): {@code ioClass} is the JSON's {@code class}. */
    public record IoPriority(String ioClass, int priority) {
        /** The value ioprio_set takes: class in the top bits, priority below. */
        public int ioprio() {
            return OciNames.ioprioClass(ioClass) << 13 | priority;
        }
    }

    /** sched_setattr(2); runtime, deadline and period are unsigned nanoseconds. */
    public record Scheduler(String policy, int nice, int priority, List<String> flags, long runtime,
        long deadline, long period) {
        public Scheduler {
            flags = List.copyOf(flags);
        }
    }

    /**
     * CPU lists ("0-3,7") for the process before and after it execs; "" when unset.
     * {@code finalCpus} is the JSON's {@code final}.
     */
    public record CpuAffinity(String initial, String finalCpus) {}
}
