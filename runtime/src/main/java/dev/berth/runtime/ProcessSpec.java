package dev.berth.runtime;

import dev.berth.runtime.security.ProcessSecurity;
import java.util.List;

/**
 * The process a container or an exec runs, fully resolved: numeric ids, the whole environment,
 * an absolute working directory, and what it may do ({@link ProcessSecurity}).
 */
public record ProcessSpec(
    List<String> args,
    List<String> env,
    String cwd,
    int uid,
    int gid,
    List<Integer> groups,
    boolean tty,
    boolean stdin,
    boolean init,
    int rows,
    int cols,
    ProcessSecurity security) {

    /** A process that keeps the privileges the stage has. */
    public ProcessSpec(List<String> args, List<String> env, String cwd, int uid, int gid, List<Integer> groups,
        boolean tty, boolean stdin, boolean init, int rows, int cols) {
        this(args, env, cwd, uid, gid, groups, tty, stdin, init, rows, cols, ProcessSecurity.NONE);
    }

    public ProcessSpec withSecurity(ProcessSecurity s) {
        return new ProcessSpec(args, env, cwd, uid, gid, groups, tty, stdin, init, rows, cols, s);
    }

    public ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
        groups = List.copyOf(groups);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
    }
}
