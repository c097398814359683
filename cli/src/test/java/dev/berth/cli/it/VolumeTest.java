package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * berth volume and containers' volumes, checked from outside: the files under the state root,
 * the host's mount table for volumes with mount options, and what containers see.
 */
class VolumeTest extends ContainerTestBase {
    private Path data(String volume) {
        return berth.root().resolve("volumes").resolve(volume).resolve("_data");
    }

    private List<String> volumeNames() throws Exception {
        return List.of(berth.ok("volume", "ls", "-q").split("\n")).stream().filter(s -> !s.isBlank()).toList();
    }

    @Test
    void aVolumeIsCreatedListedUsedRefusedWhileInUseAndRemoved() throws Exception {
        assertEquals("v1\n", berth.ok("volume", "create", "--label", "team=blue", "v1"));
        assertEquals("v1\n", berth.ok("volume", "create", "v1"), "an existing volume is answered again, as docker does");
        assertEquals("DRIVER    VOLUME NAME\nlocal     v1\n", berth.ok("volume", "ls"));
        assertEquals(data("v1") + " blue local", berth.ok("volume", "inspect", "-f",
            "{{.Mountpoint}} {{.Labels.team}} {{.Driver}}", "v1").strip());
        assertTrue(Files.isDirectory(data("v1")));
        // data written by one container is there for the next, and on the host
        berth.ok("run", "--rm", "-v", "v1:/data", "host", "sh", "-c", "echo hello > /data/f");
        assertEquals("hello\n", Files.readString(data("v1").resolve("f")));
        assertEquals("hello\n", berth.ok("run", "--rm", "-v", "v1:/data:ro", "host", "cat", "/data/f"));
        Berth.Result ro = berth.run("run", "--rm", "-v", "v1:/data:ro", "host", "sh", "-c", "echo x > /data/g");
        assertNotEquals(0, ro.code());
        assertTrue(ro.err().contains("Read-only"), ro.err());
        assertFalse(Files.exists(data("v1").resolve("g")));
        assertEquals("hello\n", berth.ok("run", "--rm", "--mount", "type=volume,src=v1,dst=/m,readonly", "host",
            "cat", "/m/f"));
        assertTrue(berth.ok("system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}")
            .contains("Local Volumes|1|0|6B|6B (100%)\n"));
        // used by a container (running or not): refused, with docker's message
        assertEquals("v1\n", berth.ok("volume", "ls", "-q", "-f", "dangling=true"));
        String id = berth.ok("run", "-d", "--name", "c", "-v", "v1:/data", "host", "sleep", "60").strip();
        assertEquals("volume v1 /data " + data("v1") + " true", berth.ok("inspect", "-f",
            "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.Source}} {{.RW}}{{end}}", "c").strip());
        assertTrue(berth.ok("system", "df", "-v").contains("\nv1            1         6B\n"), berth.ok("system", "df", "-v"));
        Berth.Result inUse = berth.run("volume", "rm", "v1");
        assertEquals(1, inUse.code());
        assertEquals("berth: remove v1: volume is in use - [" + id + "]\n", inUse.err());
        assertEquals("", berth.ok("volume", "ls", "-q", "-f", "dangling=true"));
        assertEquals("v1\n", berth.ok("volume", "ls", "-q", "-f", "label=team=blue", "-f", "name=v"));
        berth.ok("stop", "-t", "0", "c");
        assertEquals(1, berth.run("volume", "rm", "v1").code(), "a stopped container still uses it");
        berth.ok("rm", "c");
        assertEquals("v1\n", berth.ok("volume", "rm", "v1"));
        assertFalse(Files.exists(data("v1").getParent()));
        assertEquals(List.of(), volumeNames());
        Berth.Result gone = berth.run("volume", "inspect", "v1");
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("get v1: no such volume"), gone.err());
        assertEquals(1, berth.run("volume", "rm", "v1").code());
        assertEquals(0, berth.run("volume", "rm", "-f", "v1").code());
    }

    @Test
    void badInputIsRefusedWithOneLineAndLeavesNothing() throws Exception {
        Berth.Result name = berth.run("volume", "create", "bad/name");
        assertEquals(1, name.code());
        assertTrue(name.err().contains("includes invalid characters for a local volume name"), name.err());
        Berth.Result opt = berth.run("volume", "create", "-o", "colour=red", "x1");
        assertEquals(1, opt.code());
        assertTrue(opt.err().contains("invalid option key: \"colour\""), opt.err());
        Berth.Result driver = berth.run("volume", "create", "-d", "nfs-plugin", "x2");
        assertEquals(1, driver.code());
        assertEquals(1, berth.run("volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/nonexistent", "x3")
            .code());
        for (String[] run : List.of(
            new String[] {"run", "--rm", "-v", "bad!:/x", "host", "true"},
            new String[] {"run", "--rm", "-v", "ok:relative", "host", "true"},
            new String[] {"run", "--rm", "-v", "ok:/x:nosuchopt", "host", "true"},
            new String[] {"run", "--rm", "--mount", "type=volume,src=ok,dst=/x,volume-driver=nfs", "host", "true"},
            new String[] {"run", "--rm", "--mount", "type=volume,src=ok,dst=/x,volume-opt=colour=red", "host", "true"})) {
            Berth.Result r = berth.run(run);
            assertEquals(125, r.code(), String.join(" ", run) + ": " + r.err());
            assertEquals(1, r.err().strip().split("\n").length, r.err());
            assertTrue(r.err().startsWith("berth: invalid "), r.err());
        }
        // a run that fails after its volume was made implicitly takes it away again
        Berth.Result late = berth.run("run", "--rm", "-v", "implicit:/dev/null/x", "-v", "/anon", "host", "true");
        assertEquals(125, late.code(), late.err());
        Berth.Result mount = berth.run("run", "--rm", "--mount",
            "type=volume,src=implicit2,dst=/x,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=bogus",
            "host", "true");
        assertEquals(125, mount.code(), mount.err());
        assertTrue(mount.err().contains("cannot mount volume implicit2"), mount.err());
        assertEquals(List.of(), volumeNames());
        try (Stream<Path> s = Files.list(berth.root().resolve("volumes"))) {
            assertEquals(List.of(), s.filter(p -> !p.getFileName().toString().equals(".lock")).toList());
        }
    }

    @Test
    void aNewVolumeIsFilledFromTheImageUnlessNocopyAndAFilledOneIsLeftAlone() throws Exception {
        TestImage.load(berth.root());
        assertEquals("layer2\n", berth.ok("run", "--rm", "-u", "0", "-v", "cv:/data", "--entrypoint", "cat", "busybox",
            "/data/file"));
        assertEquals("layer2\n", Files.readString(data("cv").resolve("file")));
        assertEquals(1000, ((Number) Files.getAttribute(data("cv"), "unix:uid")).intValue(), "the image directory's owner");
        // nocopy, either way of asking
        assertEquals("", berth.ok("run", "--rm", "-u", "0", "-v", "nc:/data:nocopy", "--entrypoint", "ls", "busybox",
            "/data"));
        assertEquals("", berth.ok("run", "--rm", "-u", "0", "--mount", "type=volume,src=nc2,dst=/data,volume-nocopy",
            "--entrypoint", "ls", "busybox", "/data"));
        // a volume with files already is not filled
        berth.ok("volume", "create", "mine");
        Files.writeString(data("mine").resolve("own"), "mine\n");
        assertEquals("own\n", berth.ok("run", "--rm", "-u", "0", "-v", "mine:/data", "--entrypoint", "ls", "busybox",
            "/data"));
        // an anonymous volume of -v /PATH is filled too, and goes with --rm
        assertEquals("layer2\n", berth.ok("run", "--rm", "-u", "0", "-v", "/data", "--entrypoint", "cat", "busybox",
            "/data/file"));
        assertEquals(List.of("cv", "mine", "nc", "nc2"), volumeNames());
    }

    @Test
    void anonymousVolumesGoWithRunRmAndRmV() throws Exception {
        berth.ok("run", "--rm", "-v", "/anon", "host", "sh", "-c", "echo x > /anon/f");
        assertEquals(List.of(), volumeNames(), "run --rm removes its anonymous volume");
        berth.ok("run", "--name", "k", "-v", "/anon", "-v", "named:/named", "host", "touch", "/anon/f");
        List<String> two = volumeNames();
        assertEquals(2, two.size(), two.toString());
        String anon = two.get(0).equals("named") ? two.get(1) : two.get(0);
        assertTrue(anon.matches("[0-9a-f]{64}"), anon);
        assertTrue(Files.exists(data(anon).resolve("f")));
        assertEquals("\"\"", berth.ok("volume", "inspect", "-f", "{{json (index .Labels \"com.docker.volume.anonymous\")}}",
            anon).strip());
        berth.ok("rm", "-v", "k");
        assertEquals(List.of("named"), volumeNames(), "rm -v removes anonymous volumes, never named ones");
        // without -v the anonymous volume stays, dangling; prune takes anonymous ones, -a all unused
        berth.ok("run", "--name", "k2", "-v", "/anon", "host", "true");
        berth.ok("rm", "k2");
        assertEquals(2, volumeNames().size());
        String pruned = berth.ok("volume", "prune", "-f");
        assertTrue(pruned.startsWith("Deleted Volumes:\n"), pruned);
        assertTrue(pruned.endsWith("\nTotal reclaimed space: 0B\n"), pruned);
        assertEquals(List.of("named"), volumeNames());
        assertEquals("Total reclaimed space: 0B\n", berth.ok("volume", "prune", "-f"));
        berth.ok("volume", "create", "keep");
        berth.ok("run", "-d", "--name", "user", "-v", "keep:/k", "host", "sleep", "60");
        assertEquals("Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n", berth.ok("volume", "prune", "-a", "-f"));
        assertEquals(List.of("keep"), volumeNames());
    }

    @Test
    void aTmpfsVolumeIsMountedWhileContainersUseItAndGoneAfter() throws Exception {
        berth.ok("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m,mode=0770", "tv");
        assertEquals(List.of(), Host.mountsUnder(berth.root()), "mounted only when a container uses it");
        berth.ok("run", "-d", "--name", "a", "-v", "tv:/t", "host", "sh", "-c", "echo shared > /t/f; exec sleep 60");
        List<String> mounts = Host.mountsUnder(berth.root());
        assertEquals(1, mounts.size(), mounts.toString());
        assertTrue(mounts.get(0).contains(data("tv").toString()), mounts.toString());
        String inside = berth.ok("run", "--rm", "-v", "tv:/t", "host", "sh", "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do [ -s /t/f ] && break; sleep 0.2; done; cat /t/f; grep ' /t ' /proc/self/mountinfo");
        assertTrue(inside.startsWith("shared\n"), inside);
        assertTrue(inside.contains(" tmpfs ") && inside.contains("size=1024k") && inside.contains("mode=770"), inside);
        assertEquals(1, Host.mountsUnder(berth.root()).size(), "still used by a");
        berth.ok("rm", "-f", "a");
        assertEquals(List.of(), Host.mountsUnder(berth.root()), "unmounted when the last user went");
        assertEquals("", berth.ok("run", "--rm", "-v", "tv:/t", "host", "ls", "/t"), "a tmpfs volume starts empty");
        // a container that exits without anybody watching: the next volume command unmounts
        berth.ok("run", "-d", "--name", "b", "-v", "tv:/t", "host", "true");
        for (int i = 0; i < 100 && !berth.ok("inspect", "-f", "{{.State.Status}}", "b").strip().equals("exited"); i++) {
            Thread.sleep(50);
        }
        berth.ok("volume", "ls");
        assertEquals(List.of(), Host.mountsUnder(berth.root()));
        // a bind volume of a host directory
        Path host = Files.createDirectories(berth.root().resolve("hostdir"));
        Files.writeString(host.resolve("h"), "from-host\n");
        berth.ok("volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=" + host, "bv");
        assertEquals("from-host\n", berth.ok("run", "--rm", "-v", "bv:/b", "host", "cat", "/b/h"));
        assertEquals(List.of(), Host.mountsUnder(berth.root()));
    }

    @Test
    void aUserNamespaceContainerOwnsItsNewVolume() throws Exception {
        String out = berth.ok("run", "--rm", "--userns", "private", "-v", "uv:/d", "host", "sh", "-c",
            "touch /d/f && stat -c %u /d/f");
        assertEquals("0\n", out);
        long owner = ((Number) Files.getAttribute(data("uv").resolve("f"), "unix:uid")).longValue();
        assertNotEquals(0, owner, "written by the shifted root");
        assertEquals(owner, ((Number) Files.getAttribute(data("uv"), "unix:uid")).longValue());
    }
}
