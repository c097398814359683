package dev.berth.runtime.stage;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the {@code berth-stage} binary: next to the jars, or in the build tree during tests. */
public final class Stage {
    private static final String NAME = "berth-stage";
    private static volatile Path cached;

    private Stage() {}

    public static Path locate() throws IOException {
        Path p = cached;
        if (p != null) {
            return p;
        }
        String override = System.getProperty("berth.stage", System.getenv("BERTH_STAGE"));
        if (override != null) {
            p = Path.of(override);
        } else {
            p = besideCodeSource();
        }
        if (p == null || !Files.isExecutable(p)) {
            throw new IOException("cannot find the " + NAME + " binary next to the berth jars;"
                + " rebuild with ./mvnw package or set BERTH_STAGE");
        }
        cached = p;
        return p;
    }

    private static Path besideCodeSource() {
        Path here;
        try {
            here = Path.of(Stage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        Path dir = Files.isDirectory(here) ? here : here.getParent();
        if (Files.isExecutable(dir.resolve(NAME))) {
            return dir.resolve(NAME);
        }
        // running from a build tree (target/classes): look for native/target up the tree
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("native/target").resolve(NAME);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
