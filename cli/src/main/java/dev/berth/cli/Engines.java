package dev.berth.cli;

import dev.berth.engine.Engine;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the engine with the berth command a monitor runs: to remove a detached {@code --rm}
 * container, to apply a restart policy, and for every scheduled healthcheck.
 */
final class Engines {
    private Engines() {}

    static Engine open(Path root) throws IOException {
        return Engine.open(root).withRemoveCommand(removeCommand(root));
    }

    /**
     * This very JVM and class path, so the monitor needs no launcher script or PATH. From an
     * installed berth (the class path is {@code DIST/lib}'s jars) it starts as {@code bin/berth}
     * does: through {@code berth-stage --launch} and with the AOT cache when it fits the jars,
     * which takes a healthcheck from about 200 ms of a core to about 100 (docs/health.md).
     */
    private static List<String> removeCommand(Path root) {
        List<String> cmd = new ArrayList<>();
        String cp = System.getProperty("java.class.path");
        Path lib = dist(cp);
        if (lib != null) {
            cmd.add(lib.resolve("berth-stage").toString());
            cmd.add("--launch");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:-UsePerfData"); // as bin/berth: no hsperfdata file, nor its warnings on the output
        if (lib != null) {
            Path aot = lib.resolveSibling("berth.aot");
            if (fresh(aot, cp)) {
                cmd.add("-XX:AOTCache=" + aot);
            }
            cmd.add("-Xlog:aot=off");
            cmd.add("-Xlog:cds=off");
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(absolute(cp)); // the monitor runs it from the container's directory
        cmd.add(Main.class.getName());
        cmd.add("--root");
        cmd.add(root.toAbsolutePath().toString());
        return cmd;
    }

    private static String absolute(String cp) {
        List<String> out = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            out.add(e.isEmpty() ? e : Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, out);
    }

    /** DIST/lib when every class path entry is a jar there next to its berth-stage; else null. */
    private static Path dist(String cp) {
        Path lib = null;
        for (String e : cp.split(File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath().getParent();
            if (p == null || (lib != null && !lib.equals(p)) || !e.endsWith(".jar")) {
                return null;
            }
            lib = p;
        }
        return lib != null && Files.isExecutable(lib.resolve("berth-stage")) ? lib : null;
    }

    /** bin/berth's rule: the cache is used only when no jar is newer than it (else the JVM would run stale classes). */
    private static boolean fresh(Path aot, String cp) {
        try {
            long made = Files.getLastModifiedTime(aot).toMillis();
            for (String e : cp.split(File.pathSeparator)) {
                if (Files.getLastModifiedTime(Path.of(e)).toMillis() > made) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
