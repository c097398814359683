package dev.berth.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link Engine#exec} runs: a command with its own environment, user and directory. */
public final class ExecRequest {
    final List<String> command;
    final Map<String, String> env = new LinkedHashMap<>();
    String workdir;
    String user;
    boolean tty;
    boolean stdin;
    int rows = 24;
    int cols = 80;
    String id;

    private ExecRequest(List<String> command) {
        this.command = List.copyOf(command);
    }

    public static ExecRequest of(String... command) {
        return new ExecRequest(List.of(command));
    }

    public static ExecRequest of(List<String> command) {
        return new ExecRequest(command);
    }

    /** {@code NAME=value}, or {@code NAME} to pass this process's value. */
    public ExecRequest env(String assignment) {
        ContainerRequest.putEnv(env, assignment);
        return this;
    }

    public ExecRequest workdir(String dir) {
        this.workdir = dir;
        return this;
    }

    public ExecRequest user(String user) {
        this.user = user;
        return this;
    }

    public ExecRequest tty(boolean tty) {
        this.tty = tty;
        return this;
    }

    public ExecRequest terminalSize(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        return this;
    }

    /** The exec instance's id in its events ({@code execID}); a random one when not given. */
    public ExecRequest id(String execId) {
        this.id = execId;
        return this;
    }

    public ExecRequest stdin(boolean keepOpen) {
        this.stdin = keepOpen;
        return this;
    }
}
