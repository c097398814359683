package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** -v, --mount, --tmpfs, --device and --read-only, checked in the container's mountinfo. */
class MountTest extends ContainerTestBase {
    @Test
    void bindTmpfsAndDeviceMounts() throws Exception {
        Path data = Files.createDirectory(berth.root().resolve("data"));
        Files.writeString(data.resolve("f"), "hello");
        berth.ok("run", "-d", "--name", "c", "-v", data + ":/data:ro", "--mount", "type=bind,source=" + data
            + ",target=/rw", "-v", data + ":/shared:ro,rshared", "--mount", "type=bind,source=" + data
            + ",target=/private,bind-propagation=private", "--tmpfs", "/scratch:size=1m,exec", "--device", "/dev/null:/dev/other", "host",
            "sleep", "60");
        long pid = Host.pid(berth, "c");
        String mounts = Files.readString(Path.of("/proc/" + pid + "/mountinfo"));
        assertTrue(line(mounts, "/data").split(" ")[5].startsWith("ro"), mounts);
        assertTrue(line(mounts, "/rw").split(" ")[5].startsWith("rw"), mounts);
        // the flags and the propagation came with the bind (one step: berth's OP_BIND)
        String shared = line(mounts, "/shared");
        assertTrue(shared.split(" ")[5].startsWith("ro") && shared.split(" - ")[0].contains(" shared:"), shared);
        assertTrue(!line(mounts, "/private").split(" - ")[0].contains("shared:"), mounts);
        String scratch = line(mounts, "/scratch");
        assertTrue(scratch.contains("tmpfs") && scratch.contains("size=1024k") && !scratch.contains("noexec"), scratch);
        assertEquals("hello", berth.ok("exec", "c", "cat", "/data/f"));
        assertTrue(berth.run("exec", "c", "touch", "/data/x").code() != 0, "a read-only bind must refuse writes");
        berth.ok("exec", "c", "touch", "/rw/y");
        assertTrue(Files.exists(data.resolve("y")), "a write through the bind reaches the host");
        berth.ok("exec", "c", "sh", "-c", "echo x > /dev/other");
        assertTrue(berth.ok("inspect", "-f", "{{range .Mounts}}{{.Destination}} {{end}}", "c").contains("/data"));
    }

    @Test
    void readOnlyRootOnTheHostImage() throws Exception {
        Berth.Result r = berth.run("run", "--rm", "--read-only", "host", "sh", "-c",
            "touch /x 2>/dev/null || echo root-ro; touch /etc/x 2>/dev/null || echo etc-ro; touch /tmp/x && echo tmp-rw");
        assertEquals("root-ro\netc-ro\ntmp-rw\n", r.out(), r.err());
    }

    @Test
    void mountTargetsCannotEscapeTheRootfs() throws Exception {
        Path rootfs = Rootfs.busybox();
        Path copy = berth.root().resolve("rootfs");
        new ProcessBuilder("cp", "-a", rootfs.toString(), copy.toString()).inheritIO().start().waitFor();
        Path outside = Files.createDirectory(berth.root().resolve("outside"));
        Files.createSymbolicLink(copy.resolve("escape"), Path.of("../../../../../../.." + outside));
        Path src = Files.createDirectory(berth.root().resolve("src"));
        Files.writeString(src.resolve("f"), "in");
        berth.ok("run", "--rm", "--rootfs", copy.toString(), "-v", src + ":/escape/sub", "/bin/sh", "-c",
            "cat /escape/sub/f");
        assertFalse(Files.exists(outside.resolve("sub")), "the mount target left the rootfs");
        assertTrue(Files.isDirectory(copy.resolve(outside.toString().substring(1)).resolve("sub")),
            "the symlink is followed inside the rootfs");
    }

    @Test
    void badMountsAreRejectedAndLeaveNothing() throws Exception {
        for (String[] args : new String[][] {{"-v", "./relative:/x"}, {"-v", "/tmp:/x:nocopy"},
            {"--mount", "type=bind,target=/x"}, {"--mount", "type=volume,source=v,target=relative"}, {"--device", "/etc/passwd"}, {"--tmpfs", "relative"}}) {
            String[] cmd = new String[args.length + 4];
            cmd[0] = "run";
            cmd[1] = "--rm";
            System.arraycopy(args, 0, cmd, 2, args.length);
            cmd[args.length + 2] = "host";
            cmd[args.length + 3] = "true";
            Berth.Result r = berth.run(cmd);
            assertEquals(125, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("berth: invalid"), r.err());
        }
    }

    private static String line(String mountinfo, String target) {
        return mountinfo.lines().filter(l -> l.split(" ")[4].equals(target)).findFirst()
            .orElseThrow(() -> new AssertionError("no mount at " + target + " in\n" + mountinfo));
    }
}
