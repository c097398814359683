package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The daemon's /volumes endpoints and volumes in the create body, driven by the real docker
 * CLI; what it prints and exits with is the oracle, the files under the state root the check.
 */
class DaemonVolumeTest extends DaemonTestBase {
    private Path data(String volume) {
        return berth.root().resolve("volumes").resolve(volume).resolve("_data");
    }

    @Test
    void dockerCreatesListsInspectsUsesAndRemovesVolumes() throws Exception {
        assertEquals("v1\n", ok("volume", "create", "--label", "team=blue", "v1"));
        assertEquals("DRIVER    VOLUME NAME\nlocal     v1\n", ok("volume", "ls"));
        assertEquals(data("v1") + " blue local local", ok("volume", "inspect", "-f",
            "{{.Mountpoint}} {{.Labels.team}} {{.Driver}} {{.Scope}}", "v1").strip());
        assertEquals("v1\n", ok("volume", "ls", "-q", "--filter", "dangling=true", "--filter", "label=team"));
        assertEquals("", ok("volume", "ls", "-q", "--filter", "label=team=red"));
        // docker run -v NAME:/path, data kept across containers; berth sees the same volume
        ok("run", "--rm", "-v", "v1:/data", "host", "sh", "-c", "echo kept > /data/f");
        assertEquals("kept\n", Files.readString(data("v1").resolve("f")));
        assertEquals("kept\n", ok("run", "--rm", "-v", "v1:/data:ro", "host", "cat", "/data/f"));
        assertEquals("v1\n", berth.ok("volume", "ls", "-q"));
        // --mount type=volume makes a volume that does not exist yet
        assertEquals("", ok("run", "--rm", "--mount", "type=volume,src=made,dst=/m,volume-label=by=mount",
            "host", "ls", "/m"));
        assertEquals("mount", ok("volume", "inspect", "-f", "{{.Labels.by}}", "made").strip());
        // in use, even by a stopped container: docker's 409 and message
        String id = ok("run", "-d", "--name", "c", "-v", "v1:/data", "host", "sleep", "60").strip();
        assertEquals("volume v1 /data", ok("inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}",
            "c").strip());
        Berth.Result inUse = docker(null, "volume", "rm", "v1");
        assertEquals(1, inUse.code());
        assertEquals("Error response from daemon: remove v1: volume is in use - [" + id + "]\n", inUse.err());
        Berth.Result http = curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "http://d/v1.51/volumes/v1");
        assertEquals("409", http.out());
        ok("rm", "-f", "c");
        assertEquals("v1\n", ok("volume", "rm", "v1"));
        assertFalse(Files.exists(data("v1")));
        Berth.Result missing = docker(null, "volume", "inspect", "v1");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such volume"), missing.err());
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", "http://d/v1.51/volumes/v1").out());
        assertEquals(0, docker(null, "volume", "rm", "-f", "v1").code());
        Berth.Result bad = docker(null, "volume", "create", "-o", "colour=red", "x1");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("invalid option key"), bad.err());
        assertEquals("400", curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
            "-d", "{\"Name\":\"bad/name\"}", "http://d/v1.51/volumes/create").out());
    }

    @Test
    void anonymousVolumesGoWithRunRmAndArePrunedWithDocker() throws Exception {
        ok("run", "--rm", "-v", "/anon", "host", "sh", "-c", "echo x > /anon/f");
        assertEquals("", ok("volume", "ls", "-q"), "docker run --rm removes its anonymous volume");
        ok("run", "--name", "k", "-v", "/anon", "host", "true");
        ok("rm", "k");
        String anon = ok("volume", "ls", "-q").strip();
        assertTrue(anon.matches("[0-9a-f]{64}"), anon);
        ok("volume", "create", "named");
        String pruned = ok("volume", "prune", "-f");
        assertTrue(pruned.contains("Deleted Volumes:\n" + anon + "\n"), pruned);
        assertTrue(pruned.contains("Total reclaimed space: 0B"), pruned);
        assertEquals("named\n", ok("volume", "ls", "-q"), "prune without -a leaves named volumes");
        ok("run", "--name", "k2", "-v", "/anon", "host", "true");
        ok("rm", "-v", "k2");
        assertEquals("named\n", ok("volume", "ls", "-q"), "docker rm -v removes anonymous volumes");
        String all = ok("volume", "prune", "-a", "-f");
        assertTrue(all.contains("Deleted Volumes:\nnamed\n"), all);
        assertEquals("", ok("volume", "ls", "-q"));
    }
}
