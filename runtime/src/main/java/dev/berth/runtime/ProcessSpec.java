package dev.berth.runtime;

import java.util.List;

/**
 * The process a container or an exec runs, fully resolved: numeric ids, the whole environment,
 * an absolute working directory.
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
    int cols) {

    public ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
        groups = List.copyOf(groups);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
    }
}
