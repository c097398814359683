package dev.berth.cli.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** A busybox root filesystem built offline from Debian's busybox-static, once per test JVM. */
final class Rootfs {
    private static Path built;

    private Rootfs() {}

    static synchronized Path busybox() throws IOException, InterruptedException {
        if (built != null) {
            return built;
        }
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new IllegalStateException("/bin/busybox is missing: install busybox-static (bin/test does)");
        }
        Path root = Files.createTempDirectory("berth-rootfs");
        // non-root users inside must be able to reach their programs
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : new String[] {"bin", "etc", "tmp", "root", "home/user", "proc", "sys", "dev"}) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(busybox, root.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Process p = new ProcessBuilder(busybox.toString(), "--list").start();
        for (String applet : new String(p.getInputStream().readAllBytes()).split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(root.resolve("bin").resolve(applet.strip()), Path.of("busybox"));
            }
        }
        p.waitFor();
        Files.writeString(root.resolve("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nuser:x:1000:\nstaff:x:50:user\nnogroup:x:65534:\n");
        Files.writeString(root.resolve("bin/notexec"), "#!/bin/sh\necho never\n");
        Files.setPosixFilePermissions(root.resolve("tmp"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path cleanup = root;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(cleanup)));
        built = root;
        return root;
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
}
