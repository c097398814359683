package dev.berth.cli;

import dev.berth.engine.Engine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens the engine with the command a monitor runs to remove a detached {@code --rm} container. */
final class Engines {
    private Engines() {}

    static Engine open(Path root) throws IOException {
        return Engine.open(root).withRemoveCommand(removeCommand(root));
    }

    /** This very JVM and class path, so the monitor needs no launcher script or PATH. */
    private static List<String> removeCommand(Path root) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("--root");
        cmd.add(root.toAbsolutePath().toString());
        return cmd;
    }
}
