package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.image.Digest;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth login}, {@code pull}, {@code push} and {@code logout} as a user types them,
 * against Debian's docker-registry with htpasswd auth on 127.0.0.1, started by the test and
 * stopped by its pid; skopeo pushes the image berth pulls and reads the one berth pushes.
 */
class RegistryCliTest {
    @TempDir
    Path tmp;

    @Test
    void loginPullPushLogout() throws Exception {
        for (String tool : new String[] {"/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/umoci", "/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: install docker-registry, skopeo, umoci, busybox-static"
                    + " (bin/test does)");
            }
        }
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) is missing");
        Path layout = busyboxLayout();
        Files.writeString(tmp.resolve("htpasswd"), out("htpasswd", "-Bbn", "alice", "s3cret"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Files.writeString(tmp.resolve("config.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
            + tmp.resolve("storage") + "\nhttp:\n  addr: " + host + "\n  secret: t\nauth:\n  htpasswd:\n    realm: t\n"
            + "    path: " + tmp.resolve("htpasswd") + "\n");
        Process registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", tmp.resolve("config.yml").toString())
            .redirectErrorStream(true).redirectOutput(tmp.resolve("registry.log").toFile()).start();
        try (Berth berth = new Berth().withoutLauncher()) { // no container: no stage needed
            NetTools.waitForPort(port, registry);
            run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret",
                "oci:" + layout + ":latest", "docker://" + host + "/busybox:latest");
            Path dockerConfig = tmp.resolve("docker");
            berth.env("DOCKER_CONFIG", dockerConfig.toString());
            String image = host + "/busybox:latest";

            Berth.Result anon = berth.run("pull", image);
            assertEquals(1, anon.code(), anon.err());
            assertTrue(anon.err().contains("run 'berth login " + host + "'"), anon.err());

            Berth.Result wrong = berth.runWithInput("nope\n", "login", "-u", "alice", "--password-stdin", host);
            assertEquals(1, wrong.code(), wrong.err());
            assertTrue(wrong.err().startsWith("berth: login failed: unauthorized"), wrong.err());
            assertFalse(Files.exists(dockerConfig.resolve("config.json")), "nothing saved after a failed login");

            Berth.Result login = berth.runWithInput("s3cret\n", "login", "-u", "alice", "--password-stdin", host);
            assertEquals(0, login.code(), login.err());
            assertEquals("Login Succeeded", login.line());
            Path config = dockerConfig.resolve("config.json");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
            assertTrue(Files.readString(config).contains("\"" + host + "\""), Files.readString(config));

            Berth.Result pull = berth.run("pull", image);
            assertEquals(0, pull.code(), pull.err());
            String digest = Digest.of(out("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "alice:s3cret",
                "docker://" + image).getBytes(StandardCharsets.UTF_8)).toString();
            List<String> lines = pull.out().lines().toList();
            assertEquals(List.of("latest: Pulling from busybox", "Digest: " + digest,
                "Status: Downloaded newer image for " + image, image), lines, pull.out());
            ImageStore store = ImageStore.open(berth.root());
            assertEquals(digest, String.valueOf(store.refs().tags().get(image)), "refs.json has the tag");

            Berth.Result again = berth.run("pull", "-q", image);
            assertEquals(image, again.line());
            assertTrue(berth.run("pull", image).out().contains("Status: Image is up to date for " + image));

            store.tag(ImageRef.parse(host + "/copy:v1"), Digest.parse(digest));
            Berth.Result push = berth.run("push", host + "/copy:v1");
            assertEquals(0, push.code(), push.err());
            assertTrue(push.out().startsWith("The push refers to repository [" + host + "/copy]"), push.out());
            assertTrue(push.out().contains("v1: digest: " + digest + " size: "), push.out());
            String pushed = Digest.of(out("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "alice:s3cret",
                "docker://" + host + "/copy:v1").getBytes(StandardCharsets.UTF_8)).toString();
            assertEquals(digest, pushed, "skopeo reads what berth pushed");

            // berth run pulls an image it does not have, as docker run does
            berth.ok("rmi", host + "/copy:v1");
            assertEquals(125, berth.run("run", "--rm", "--pull", "never", host + "/copy:v1", "true").code());
            Berth.Result run = berth.run("run", "--rm", host + "/copy:v1", "sh", "-c", "echo pulled");
            assertEquals(0, run.code(), run.err());
            assertEquals("pulled", run.out().strip(), "the container's output alone on stdout");
            assertTrue(run.err().startsWith("Unable to find image '" + host + "/copy:v1' locally\n"), run.err());
            assertTrue(run.err().contains("Status: Downloaded newer image for " + host + "/copy:v1"), run.err());

            assertEquals("Removing login credentials for " + host, berth.ok("logout", host).strip());
            assertFalse(Files.readString(config).contains("\"" + host + "\""), Files.readString(config));
            assertEquals("Not logged in to " + host, berth.ok("logout", host).strip());

            Berth.Result bad = berth.run("pull", "--platform", "linux", image);
            assertEquals(125, bad.code(), bad.err());
            assertTrue(berth.ok("completion", "bash").contains("pull) words=\""), "pull has completion");
        } finally {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        }
    }

    private Path busyboxLayout() throws Exception {
        Path layout = tmp.resolve("layout");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":latest");
        Path bundle = tmp.resolve("bundle");
        run("umoci", "unpack", "--image", layout + ":latest", bundle.toString());
        Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), bundle.resolve("rootfs/bin/busybox"));
        Files.createSymbolicLink(bundle.resolve("rootfs/bin/sh"), Path.of("busybox"));
        run("umoci", "repack", "--image", layout + ":latest", bundle.toString());
        return layout;
    }


    private static void run(String... cmd) throws Exception {
        out(cmd);
    }

    private static String out(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
