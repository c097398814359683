package dev.berth.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog's lookup, docker's rmi/prune rules with containers, filters and --change (no root needed). */
class ImageCatalogTest {
    @TempDir
    Path tmp;

    private ImageStore store;
    private ImageCatalog catalog;

    private Image image(String content, String... tags) throws Exception {
        Image img = TestImages.put(store, content.getBytes(StandardCharsets.UTF_8));
        store.keep(img.digest());
        for (String t : tags) {
            store.tag(ImageRef.parse(t), img.digest());
        }
        return img;
    }

    private void open() throws Exception {
        store = ImageStore.open(tmp);
        catalog = new ImageCatalog(store, Platform.current());
    }

    @Test
    void findsByNameIdPrefixAndDigestAsDockerDoes() throws Exception {
        open();
        Image a = image("a", "busybox:latest", "busybox:1");
        Image b = image("b");
        assertEquals(2, catalog.list().size());
        assertEquals(a.id(), catalog.find("busybox").image().id());
        assertEquals(a.id(), catalog.find("docker.io/library/busybox:1").image().id());
        assertEquals(a.id(), catalog.find(a.id().toString()).image().id());
        assertEquals(a.id(), catalog.find(a.id().hex()).image().id());
        assertTrue(catalog.find(a.id().hex().substring(0, 6)).byId());
        assertEquals(a.id(), catalog.find("busybox@" + a.digest()).image().id(), "NAME@manifest digest");
        assertEquals(b.id(), catalog.find(b.digest().toString()).image().id(), "a root's digest names its image");
        assertTrue(catalog.find(b.id().hex().substring(0, 12)).image().dangling());
        ImageException.NotFound nf = assertThrows(ImageException.NotFound.class, () -> catalog.find("nope"));
        assertEquals("no such image: nope:latest", nf.getMessage());
        assertThrows(ImageException.InvalidReference.class, () -> catalog.find("Nope"));
        assertEquals(List.of("busybox@" + a.digest()), catalog.find("busybox").image().repoDigests());
    }

    @Test
    void rmiUntagsFirstAndDeletesOnlyTheLastReference() throws Exception {
        open();
        Image a = image("a", "busybox:latest", "busybox:1");
        ImageDeleter d = new ImageDeleter(catalog, List.of());
        ImageDeleter.Result r = d.delete("busybox:1", false);
        assertEquals(List.of("busybox:1"), r.untagged(), "another tag of the repository keeps its digest reference");
        assertEquals(List.of(), r.deleted());
        assertTrue(store.blobs().has(a.id()));
        r = d.delete("busybox", false);
        assertEquals(List.of("busybox:latest", "busybox@" + a.digest()), r.untagged());
        assertEquals(a.id(), r.deleted().get(0));
        assertEquals(List.of(), store.blobs().list(), "the collection removed every blob");
    }

    @Test
    void anIdWithSeveralTagsNeedsForce() throws Exception {
        open();
        Image a = image("a", "busybox:latest", "other:1");
        ImageDeleter d = new ImageDeleter(catalog, List.of());
        ImageException.Conflict c = assertThrows(ImageException.Conflict.class, () -> d.delete(a.id().hex().substring(0, 12), false));
        assertEquals("conflict: unable to delete " + a.id().hex().substring(0, 12)
            + " (must be forced) - image is referenced in multiple repositories", c.getMessage());
        assertEquals(2, store.refs().tags().size(), "nothing was untagged");
        ImageDeleter.Result r = d.delete(a.id().hex().substring(0, 12), true);
        assertEquals(4, r.untagged().size());
        assertEquals(a.id(), r.deleted().get(0));
    }

    @Test
    void containersBlockAsDockersConflictsDo() throws Exception {
        open();
        Image a = image("a", "busybox:latest");
        String cid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        ImageDeleter stopped = new ImageDeleter(catalog, List.of(new ImageUser(cid, a.id(), false)));
        ImageException.Conflict c = assertThrows(ImageException.Conflict.class, () -> stopped.delete("busybox", false));
        assertEquals("conflict: unable to remove repository reference \"busybox\" (must force) - container 0123456789ab"
            + " is using its referenced image " + a.id().hex().substring(0, 12), c.getMessage());
        c = assertThrows(ImageException.Conflict.class, () -> stopped.delete(a.id().toString(), false));
        assertTrue(c.getMessage().endsWith("(must be forced) - image is being used by stopped container 0123456789ab"), c.getMessage());
        assertEquals(1, store.refs().tags().size());
        ImageDeleter.Result r = stopped.delete(a.id().toString(), true);
        assertEquals(a.id(), r.deleted().get(0), "-f overrides a stopped container");

        Image b = image("b", "app:1");
        ImageDeleter running = new ImageDeleter(catalog, List.of(new ImageUser(cid, b.id(), true)));
        c = assertThrows(ImageException.Conflict.class, () -> running.delete(b.id().toString(), true));
        assertTrue(c.getMessage().contains("(cannot be forced) - image is being used by running container 0123456789ab"));
        r = running.delete("app:1", true);
        assertEquals(List.of(), r.deleted(), "a running container's image is only untagged");
        assertTrue(catalog.find(b.id().toString()).image().dangling());
        assertTrue(store.blobs().has(b.id()));
    }

    @Test
    void pruneTakesDanglingOrAllUnusedImages() throws Exception {
        open();
        Image tagged = image("t", "keep:1");
        Image dangling = image("d");
        Image used = image("u");
        List<ImageUser> users = List.of(new ImageUser("c1", used.id(), false));
        ImageDeleter.Result r = new ImageDeleter(catalog, users).prune(false, ImageFilter.none());
        assertEquals(List.of(dangling.id()), r.deleted().subList(0, 1));
        assertTrue(r.reclaimed() > 0);
        assertFalse(store.blobs().has(dangling.id()));
        r = new ImageDeleter(catalog, users).prune(true, ImageFilter.none());
        assertEquals(tagged.id(), r.deleted().get(0));
        assertTrue(store.blobs().has(used.id()), "an image a container uses stays");
    }

    @Test
    void filtersAsDockers() throws Exception {
        open();
        image("a", "busybox:1.36", "example.com/team/app:v1");
        image("b");
        long now = System.currentTimeMillis() * 1_000_000L;
        ImageFilter ref = ImageFilter.parse(List.of("reference=busy*"), ImageFilter.LIST_KEYS, catalog, now);
        List<String> tags = new ArrayList<>();
        for (ImageSummary s : catalog.list()) {
            if (ref.matches(s)) {
                for (ImageRef t : ref.tags(s)) {
                    tags.add(t.familiar());
                }
            }
        }
        assertEquals(List.of("busybox:1.36"), tags);
        assertTrue(ImageFilter.referenceMatches("example.com/*/app", ImageRef.parse("example.com/team/app:v1")));
        assertFalse(ImageFilter.referenceMatches("example.com/*", ImageRef.parse("example.com/team/app:v1")), "* stops at /");
        assertTrue(ImageFilter.referenceMatches("busybox:1.[0-9]?", ImageRef.parse("busybox:1.36")));
        ImageFilter dangling = ImageFilter.parse(List.of("dangling=true"), ImageFilter.LIST_KEYS, catalog, now);
        long n = catalog.list().stream().filter(dangling::matches).count();
        assertEquals(1, n);
        assertThrows(ImageException.InvalidArgument.class,
            () -> ImageFilter.parse(List.of("dangling=maybe"), ImageFilter.LIST_KEYS, catalog, now));
        assertThrows(ImageException.InvalidArgument.class,
            () -> ImageFilter.parse(List.of("bogus=1"), ImageFilter.LIST_KEYS, catalog, now));
        assertThrows(ImageException.InvalidArgument.class,
            () -> ImageFilter.parse(List.of("reference=[a"), ImageFilter.LIST_KEYS, catalog, now));
        assertEquals(now - 90L * 60 * 1_000_000_000L, ImageFilter.time("1h30m", now));
        assertEquals(1_700_000_000_500_000_000L, ImageFilter.time("1700000000.5", now));
        assertEquals(0, ImageFilter.time("1970-01-01", now));
    }

    @Test
    void changesAreParsedAsDockerfileInstructions() throws Exception {
        Map<String, Object> c = ConfigChanges.apply(new LinkedHashMap<>(), List.of(
            "ENV PATH=/bin HOME=/root", "env GREETING hello  world", "ENV MSG=\"$GREETING from ${HOME:-x}\" EMPTY=${NOPE:-d}",
            "CMD echo $HOME", "ENTRYPOINT [\"/bin/sh\", \"-c\"]", "EXPOSE 80 53/udp 7000-7001", "LABEL a=1 'b c'=\"2 3\"",
            "USER nobody", "WORKDIR /srv", "WORKDIR ../app/./x", "VOLUME /a /b", "STOPSIGNAL SIGQUIT"));
        assertEquals(List.of("PATH=/bin", "HOME=/root", "GREETING=hello  world", "MSG=hello  world from /root", "EMPTY=d"),
            c.get("Env"));
        assertEquals(List.of("/bin/sh", "-c", "echo $HOME"), c.get("Cmd"), "shell form: the shell expands, not the parser");
        assertEquals(List.of("/bin/sh", "-c"), c.get("Entrypoint"));
        assertEquals(List.of("80/tcp", "53/udp", "7000/tcp", "7001/tcp"), new ArrayList<>(((Map<?, ?>) c.get("ExposedPorts")).keySet()));
        assertEquals(Map.of("a", "1", "b c", "2 3"), c.get("Labels"));
        assertEquals("nobody", c.get("User"));
        assertEquals("/app/x", c.get("WorkingDir"));
        assertEquals(List.of("/a", "/b"), new ArrayList<>(((Map<?, ?>) c.get("Volumes")).keySet()));
        assertEquals("SIGQUIT", c.get("StopSignal"));
        Map<String, Object> e = ConfigChanges.apply(new LinkedHashMap<>(), List.of("ENTRYPOINT top"));
        assertEquals(List.of("/bin/sh", "-c", "top"), e.get("Entrypoint"));
        for (String bad : List.of("ADD a b", "RUN true", "EXPOSE 70000", "EXPOSE 80/xtp", "ENV", "ENV A=1 B", "HEALTHCHECK NONE")) {
            ImageException.InvalidArgument ex = assertThrows(ImageException.InvalidArgument.class,
                () -> ConfigChanges.apply(new LinkedHashMap<>(), List.of(bad)), bad);
            assertTrue(ex.getMessage().startsWith("--change: "), ex.getMessage());
        }
    }
}
