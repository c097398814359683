package dev.berth.cli.oci;

import dev.berth.runtime.stage.Stage;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Which calls the runtime server takes, and how the first call without one starts it. */
public final class RuntimeLauncher {
    private static final Set<String> GLOBAL_WITH_VALUE = Set.of("--root", "--log", "--log-format", "--rootless", "--criu");
    /** Calls that end on their own and need no terminal or stdin of the caller. */
    private static final Set<String> SERVED = Set.of("create", "start", "state", "kill", "delete", "list", "ps",
        "pause", "resume", "features", "spec", "update");
    /** The flags of create, run, exec and update that take a value as the next argument. */
    private static final Set<String> WITH_VALUE = Set.of("-b", "--bundle", "--pid-file", "--console-socket",
        "--preserve-fds", "-p", "--process", "--cwd", "-e", "--env", "-u", "--user", "-g", "--additional-gids",
        "-c", "--cap", "--apparmor", "--process-label", "--cgroup", "-r", "--resources");
    private static final long STARTING_MILLIS = 10_000;

    private RuntimeLauncher() {}

    /** Whether the server may run {@code args} (berth-runtime's arguments, global flags first). */
    public static boolean servable(List<String> args) {
        List<String> call = call(args);
        if (call.isEmpty()) {
            return false;
        }
        return switch (call.get(0)) {
            // the client's stage keeps the caller's stdio for the process; in the foreground
            // the client forwards the caller's signals and relays its terminal (client.c)
            case "run", "exec" -> true;
            case "update" -> !args.contains("-") && !call.contains("-r=-") && !call.contains("--resources=-");
            default -> SERVED.contains(call.get(0));
        };
    }

    /**
     * Whether {@code args} run a process in the foreground: {@code run} or {@code exec} without
     * {@code -d}. The client then forwards its signals to it, as runc does.
     */
    public static boolean foreground(List<String> args) {
        List<String> call = call(args);
        return !call.isEmpty() && (call.get(0).equals("run") || call.get(0).equals("exec"))
            && !call.contains("-d") && !call.contains("--detach");
    }

    /** The command and its flags (without their values), or nothing when there is no command. */
    private static List<String> call(List<String> args) {
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-")) {
            String a = args.get(i++);
            if (GLOBAL_WITH_VALUE.contains(a)) {
                i++;
            }
        }
        if (i >= args.size()) {
            return List.of();
        }
        List<String> call = new ArrayList<>(List.of(args.get(i)));
        for (i++; i < args.size() && args.get(i).startsWith("-"); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                break;
            }
            call.add(a);
            if (WITH_VALUE.contains(a)) {
                i++;
            }
        }
        return call; // then the id, and for exec its command
    }

    static Path startingMarker(Path socket) {
        return Path.of(socket + ".starting");
    }

    /** Whether a start marked at {@code t} may still be under way. */
    static boolean starting(FileTime t) {
        return System.currentTimeMillis() - t.toMillis() < STARTING_MILLIS;
    }

    /**
     * Starts the server for {@code socket} in the background, unless another call started one
     * in the last few seconds. Failures only mean that the next call pays a JVM start again.
     */
    static void startServer(Path socket) {
        try {
            RuntimeServer.createPrivateDirectory(socket.getParent());
            Path marker = startingMarker(socket);
            try {
                Files.createFile(marker);
            } catch (FileAlreadyExistsException e) {
                if (starting(Files.getLastModifiedTime(marker))) {
                    return;
                }
                Files.setLastModifiedTime(marker, FileTime.fromMillis(System.currentTimeMillis()));
            }
            List<String> cmd = new ArrayList<>(List.of(Stage.locate().toString(), "--daemon",
                socket.resolveSibling("runtime-server.log").toString()));
            cmd.addAll(jvm());
            cmd.add(RuntimeServer.class.getName());
            cmd.add(socket.toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("BERTH_STAGE_FDS");
            pb.environment().remove("BERTH_RUNTIME_SERVE");
            pb.start().waitFor();
        } catch (IOException | RuntimeException e) {
            // no server this time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * This JVM's own command line up to its main class: the same JDK, options and class path.
     * Read from /proc/self/cmdline: ProcessHandle.Info's arguments stop at 4 KiB, which a long
     * class path (a test's) passes.
     */
    private static List<String> jvm() throws IOException {
        String[] argv = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")),
            java.nio.charset.StandardCharsets.UTF_8).split("\0");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (int i = 1; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals(RuntimeMain.class.getName())) {
                return cmd;
            }
            if (!a.startsWith("-XX:AOTCacheOutput")) {
                cmd.add(a);
            }
        }
        throw new IllegalStateException("cannot read this JVM's command line");
    }
}
