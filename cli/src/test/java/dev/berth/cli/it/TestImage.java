package dev.berth.cli.it;

import dev.berth.image.ImageLoader;
import dev.berth.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An OCI layout of a busybox image built offline by umoci, once per test JVM: layer 1 is
 * {@link Rootfs#busybox()}, layer 2 deletes {@code /bin/notexec} (a whiteout), replaces
 * {@code /home} (an opaque directory or whiteouts, as umoci writes it) and adds
 * {@code /data/file}; the config has an Entrypoint, Cmd, Env, WorkingDir, User,
 * ExposedPorts, Labels and a StopSignal.
 */
final class TestImage {
    private static Path layout;

    private TestImage() {}

    static synchronized Path layout() throws IOException, InterruptedException {
        if (layout != null) {
            return layout;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/umoci"))) {
            throw new IllegalStateException("umoci is missing: install it (bin/test does)");
        }
        Path dir = Files.createTempDirectory("berth-rootfs-image");
        Path l = dir.resolve("layout");
        run("umoci", "init", "--layout", l.toString());
        run("umoci", "new", "--image", l + ":latest");
        Path b1 = dir.resolve("b1");
        run("umoci", "unpack", "--image", l + ":latest", b1.toString());
        run("cp", "-a", Rootfs.busybox() + "/.", b1.resolve("rootfs").toString());
        // the shared busybox tree also serves --rootfs runs, whose /etc mount points (empty files)
        // may be there or not: the image is the same whichever tests ran first
        for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
            Path p = b1.resolve("rootfs").resolve(f);
            if (Files.isRegularFile(p) && Files.size(p) == 0) {
                Files.delete(p);
            }
        }
        run("umoci", "repack", "--image", l + ":latest", b1.toString());
        Path b2 = dir.resolve("b2");
        run("umoci", "unpack", "--image", l + ":latest", b2.toString());
        Path r = b2.resolve("rootfs");
        Files.delete(r.resolve("bin/notexec"));
        run("rm", "-rf", r.resolve("home").toString());
        Files.createDirectories(r.resolve("home/other"));
        Files.createDirectories(r.resolve("data"));
        Files.writeString(r.resolve("data/file"), "layer2\n");
        Files.setAttribute(r.resolve("data"), "unix:uid", 1000);
        Files.setAttribute(r.resolve("data"), "unix:gid", 1000);
        run("umoci", "repack", "--image", l + ":latest", b2.toString());
        run("umoci", "config", "--image", l + ":latest",
            "--config.entrypoint", "/bin/echo", "--config.entrypoint", "ep", "--config.cmd", "default",
            "--config.env", "FOO=image", "--config.env", "BAR=image", "--config.env", "PATH=/bin:/sbin",
            "--config.workingdir", "/data", "--config.user", "user", "--config.exposedports", "8080/tcp",
            "--config.label", "a=image", "--config.label", "b=image", "--config.stopsignal", "SIGUSR1");
        run("rm", "-rf", b1.toString(), b2.toString());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
        layout = l;
        return l;
    }

    /** Loads the image into the store of state root {@code root} as {@code busybox}. */
    static void load(Path root) throws IOException, InterruptedException {
        new ImageLoader(ImageStore.open(root)).loadLayout(layout(), "busybox");
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static void delete(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort at JVM exit
        }
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
