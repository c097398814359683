package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Cases from distribution/reference's own tests (normalize_test.go, reference_test.go). */
class ImageRefTest {
    private static final String FFS = "sha256:" + "f".repeat(64);

    @Test
    void normalizesLikeDocker() throws Exception {
        assertEquals("docker.io/library/busybox:latest", ImageRef.parse("busybox").toString());
        assertEquals("docker.io/library/redis:latest", ImageRef.parse("redis:latest").toString());
        assertEquals("docker.io/dmcgowan/myapp:latest", ImageRef.parse("dmcgowan/myapp").toString());
        assertEquals("docker.io/library/foo:latest", ImageRef.parse("docker.io/foo").toString());
        assertEquals("docker.io/library/foo:latest", ImageRef.parse("index.docker.io/foo").toString());
        assertEquals("docker.io/library/foo/bar:latest", ImageRef.parse("docker.io/library/foo/bar").toString());
        assertEquals("docker.io/test_com/foo:latest", ImageRef.parse("test_com/foo").toString());
        assertEquals("docker.io/library/dbcc1:latest", ImageRef.parse("dbcc1").toString());
        String redis = "redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
        ImageRef r = ImageRef.parse(redis);
        assertEquals("docker.io/library/" + redis, r.toString());
        assertNull(r.tag());
        assertEquals(redis, r.familiar());
    }

    @Test
    void splitsDomainAndPath() throws Exception {
        String[][] cases = {
            {"test.com/foo", "test.com", "foo"},
            {"test_com/foo", "docker.io", "test_com/foo"},
            {"docker/migrator", "docker.io", "docker/migrator"},
            {"test.com:8080/foo", "test.com:8080", "foo"},
            {"test-com:8080/foo", "test-com:8080", "foo"},
            {"foo", "docker.io", "library/foo"},
            {"xn--n3h.com/foo", "xn--n3h.com", "foo"},
            {"xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"},
            {"localhost/foo", "localhost", "foo"},
            {"localhost:5000/a/b:1", "localhost:5000", "a/b"},
            {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase"},
            {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo"},
            {"[::1]:5000/repo", "[::1]:5000", "repo"},
            {"Foo/bar", "Foo", "bar"},
            {"FOO/bar", "FOO", "bar"},
            {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux"},
        };
        for (String[] c : cases) {
            ImageRef r = ImageRef.parse(c[0]);
            assertEquals(c[1], r.domain(), c[0]);
            assertEquals(c[2], r.path(), c[0]);
        }
    }

    @Test
    void tagsAndDigests() throws Exception {
        ImageRef r = ImageRef.parse("test:5000/repo:tag@" + FFS);
        assertEquals("test:5000", r.domain());
        assertEquals("tag", r.tag());
        assertEquals(FFS, r.digest().toString());
        assertEquals("Uppercase", ImageRef.parse("lowercase:Uppercase").tag());
        assertEquals("5000", ImageRef.parse("test.com:5000").tag());
        assertEquals("8080", ImageRef.parse("foo/foo_bar.com:8080").tag());
        assertEquals("test.example.com", ImageRef.parse("b.gcr.io/test.example.com/my-app:test.example.com").tag());
        ImageRef both = ImageRef.parse("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
        assertEquals("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", both.familiar());
        assertEquals("quay.io/a/b:1", ImageRef.parse("quay.io/a/b:1").familiar());
        assertEquals("user/app:latest", ImageRef.parse("docker.io/user/app").familiar());
    }

    @Test
    void validNames() throws Exception {
        for (String ok : new String[] {"docker/docker", "library/debian", "debian", "docker.io/docker/docker",
            "index.docker.io/library/debian", "127.0.0.1:5000/docker/docker", "192.168.0.1", "192.168.0.1:80",
            "192.168.0.1:8/debian", "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "[fc00::1]:5000/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "Docker/docker",
            "docker-rules/docker", "docker---rules/docker", "d/docker", "jess/t", "dock__er/docker"}) {
            ImageRef.parse(ok);
        }
    }

    @Test
    void invalidNamesSayWhy() {
        String[] bad = {"https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker",
            "-docker.io/docker/docker", "docker///docker", "docker.io/docker/Docker", "docker.io/docker///docker",
            "[fc00::1]", "[fc00::1]:5000", "fc00::1:5000/debian", "[fe80::1%eth0]:5000/debian",
            "[2001:db8:3:4::192.0.2.33]:5000/debian", "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "docker-/docker", "-docker-/docker", "____/____", "_docker/_docker", "dock..er/docker",
            "dock_.er/docker", "dock-.er/docker", "docker/", "", ":justtag", "@" + FFS, "aa/asdf$$^/aa",
            "Uppercase:tag", "test:5000/Uppercase/lowercase:tag", "a/".repeat(128) + "a:tag",
            "repo@sha256:ffffffffffffffffffffffffffffffffff", "validname@invaliddigest:" + "f".repeat(64),
            "repo:-tag", "repo:" + "t".repeat(129), "repo@sha256:" + "F".repeat(64)};
        for (String s : bad) {
            ImageException.InvalidReference e = assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse(s), s);
            assertTrue(e.getMessage().startsWith("invalid reference format \"" + s + "\": "), e.getMessage());
        }
        assertTrue(assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse("Uppercase:tag"))
            .getMessage().contains("must be lowercase"));
        assertTrue(assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse("a/".repeat(128) + "a:tag"))
            .getMessage().contains("not be more than 255"));
        assertTrue(assertThrows(ImageException.InvalidReference.class, () -> ImageRef.parse("repo@md5:" + "f".repeat(64)))
            .getMessage().contains("unsupported digest algorithm"));
    }
}
