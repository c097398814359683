package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An archive written by the real {@code docker save} (dockerd 20.10, see
 * {@code docker-save-20.10.md} beside it) loads: its tags, image ids and layers are docker's,
 * its config is applied, and its files are unpacked as docker would (modes, owners, links).
 */
class DockerSaveArchiveTest extends ContainerTestBase {
    static final String APP_ID = "sha256:50f32501f7dc2248ecac2f1e4dcf308bc4a5e14dcaee0e0eeaad8a1c8d436fcf";

    private Path archive() throws Exception {
        Path out = berth.root().resolve("docker-save.tar");
        try (InputStream in = DockerSaveArchiveTest.class.getResourceAsStream("docker-save-20.10.tar")) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    @Test
    void anArchiveOfDockerSaveLoadsWithDockersIdsLayersAndConfig() throws Exception {
        assertEquals("Loaded image: fixture/base:1\nLoaded image: fixture/app:1\nLoaded image: fixture/app:latest\n",
            berth.ok("load", "-i", archive().toString()));
        assertEquals(APP_ID, berth.ok("image", "inspect", "-f", "{{.Id}}", "fixture/app:latest").strip());
        assertEquals("[sha256:35645ef4fe5eb7672fe987214b393071a3d0c126a65d6819421eaaa289ce7c56 "
            + "sha256:d50074c697af4dd67576e3b8d4669fe87c8dcd8c16ef353e198008bfa0d6d64c]",
            berth.ok("image", "inspect", "-f", "{{.RootFS.Layers}}", "fixture/app:1").strip());
        assertEquals("[/bin/tool] [PATH=/bin GREETING=hello] /etc docker-save",
            berth.ok("image", "inspect", "-f",
                "{{.Config.Cmd}} {{.Config.Env}} {{.Config.WorkingDir}} {{index .Config.Labels \"dev.berth.fixture\"}}",
                "fixture/app:1").strip());
        // docker's overlay2 (its default driver) measures each unpacked layer as a directory:
        // 18 + 20 + 6 bytes of files, the hard link once, and 12 for the symlink's target. The
        // fixture's dockerd, on vfs, said 44: that driver adds up the tar's headers, where a
        // symlink has no size
        assertEquals("56", berth.ok("image", "inspect", "-f", "{{.Size}}", "fixture/app:1").strip());

        // the files, as the container sees them (created, never run: the image has no shell)
        berth.ok("create", "--name", "c", "fixture/app:1");
        Path exported = berth.root().resolve("c.tar");
        berth.ok("export", "-o", exported.toString(), "c");
        String listing = tar("-tvf", exported.toString(), "--numeric-owner");
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("-rwxr-x--- 1000/1000") && l.endsWith(" bin/tool")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("l") && l.endsWith(" greeting-link -> etc/greeting")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("h") && l.contains(" etc/hard link to etc/greeting")
            || l.startsWith("h") && l.contains(" etc/greeting link to etc/hard")), listing);
        assertEquals("hello from docker\n", tar("-xOf", exported.toString(), "etc/greeting"));
        assertEquals("extra\n", tar("-xOf", exported.toString(), "etc/extra.txt"));
        berth.ok("rm", "c");

        // and what berth saves of it, docker's format again, loads into another root as the same images
        Path saved = berth.root().resolve("saved.tar");
        berth.ok("save", "-o", saved.toString(), "fixture/base:1", "fixture/app:1");
        try (Berth other = new Berth()) {
            assertEquals("Loaded image: fixture/base:1\nLoaded image: fixture/app:1\n",
                other.ok("load", "-i", saved.toString()));
            assertEquals(APP_ID, other.ok("image", "inspect", "-f", "{{.Id}}", "fixture/app:1").strip());
        }
    }

    private static String tar(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tar"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "tar " + String.join(" ", args));
        return out;
    }
}
