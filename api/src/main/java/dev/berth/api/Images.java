package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.ImageAdmin;
import dev.berth.image.Digest;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageDeleter;
import dev.berth.image.ImageException;
import dev.berth.image.ImageFilter;
import dev.berth.image.ImageHistory;
import dev.berth.image.ImageInspect;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageSummary;
import dev.berth.image.registry.RegistryException;
import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The image endpoints over the engine's image store (the same {@code ImageCatalog},
 * {@code ImageDeleter} and filters as {@code berth images}, {@code rmi}, {@code history} and
 * {@code image prune}): list, inspect, tag, remove, history, prune, {@code /system/df}, and
 * {@code /build}, which berth answers with a clear refusal. Pulls, imports, load, save, commit
 * and login are {@link ImageTransfers}. The built-in {@code host} image is inspectable but is
 * not in the store, so it is not listed.
 */
final class Images {
    static final String HOST_ID = "sha256:" + "0".repeat(64);

    private final Engine engine;

    Images(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.get("/images/json", (x, p) -> list(x));
        r.get("/images/{name*}/json", (x, p) -> inspect(x, p.get("name")));
        r.post("/images/{name*}/tag", (x, p) -> tag(x, p.get("name")));
        r.delete("/images/{name*}", (x, p) -> remove(x, p.get("name")));
        r.get("/images/{name*}/history", (x, p) -> history(x, p.get("name")));
        r.post("/images/prune", (x, p) -> prune(x));
        r.get("/system/df", (x, p) -> df(x));
        r.post("/build", (x, p) -> build(x));
        new ImageTransfers(engine).routes(r);
    }

    // ---- errors ----

    /**
     * The image module's failures as docker's statuses: 404 no such image (in dockerd's words,
     * {@code No such image: busybox:latest}, which the docker CLI recognises), 409 conflicts,
     * 400 bad input, 401/403 what a registry refused, 500 the rest.
     */
    static HttpException http(IOException e, String ref) {
        HttpException h = status(e, ref);
        return new HttpException(h.status(), forDocker(h.getMessage()));
    }

    /** The image module's advice names berth's commands; a docker user types docker's. */
    static String forDocker(String message) {
        return message == null ? "" : message.replace("'berth login ", "'docker login ").replace("(berth pull ", "(docker pull ")
            .replace("'berth pull ", "'docker pull ");
    }

    private static HttpException status(IOException e, String ref) {
        if (e instanceof ImageException.NotFound) {
            return new HttpException(404, ref == null ? e.getMessage() : noSuchImage(ref));
        } else if (e instanceof ImageException.Conflict || e instanceof ImageException.InUse) {
            return new HttpException(409, e.getMessage());
        } else if (e instanceof ImageException.InvalidReference || e instanceof ImageException.InvalidArgument
            || e instanceof ImageException.BadFormat || e instanceof ImageException.Refused
            || e instanceof ImageException.DigestMismatch) {
            return new HttpException(400, e.getMessage());
        } else if (e instanceof RegistryException.Unauthorized) {
            return new HttpException(401, e.getMessage());
        } else if (e instanceof RegistryException.Denied) {
            return new HttpException(403, e.getMessage());
        } else if (e instanceof RegistryException.NotFound) {
            return new HttpException(404, e.getMessage());
        }
        return new HttpException(500, e.getMessage());
    }

    /** dockerd's ErrImageDoesNotExist: the familiar name with its tag ({@code busybox:latest}), or the id as given. */
    static String noSuchImage(String ref) {
        try {
            ImageRef r = ImageRef.parse(ref);
            if (r.digest() == null && r.tag() == null) {
                return "No such image: " + r.familiar() + ":latest";
            }
            return "No such image: " + r.familiar();
        } catch (ImageException.InvalidReference e) {
            return "No such image: " + ref;
        }
    }

    /**
     * The 404 {@code POST /containers/create} answers for an image the store lacks: docker's
     * words, after which the docker CLI pulls the image and creates again. {@code e} stands when
     * the image is there (the missing thing was something else).
     */
    static Exception createFailed(Engine engine, String image, EngineException.NotFound e) {
        if (image == null || normalize(image).equals("host")) {
            return e;
        }
        try {
            ImageRef ref = ImageRef.parse(image);
            engine.images().image(ref, dev.berth.image.Platform.current());
            return e;
        } catch (ImageException.NotFound missing) {
            return new HttpException(404, noSuchImage(image));
        } catch (IOException | EngineException other) {
            return e;
        }
    }

    // ---- list, inspect, count ----

    private ImageCatalog catalog() throws HttpException {
        try {
            return engine.imageAdmin().catalog();
        } catch (IOException e) {
            throw http(e, null);
        }
    }

    /** docker info's {@code Images}: the images of the store. */
    static int count(Engine engine) {
        try {
            return engine.imageAdmin().catalog().list().size();
        } catch (IOException e) {
            return 0;
        }
    }

    private void list(Exchange x) throws Exception {
        List<Object> out = new ArrayList<>();
        try {
            ImageCatalog catalog = catalog();
            ImageFilter filter = ImageFilter.parse(Filters.specs(x.request().query("filters")), ImageFilter.LIST_KEYS,
                catalog, Timestamps.nowNanos());
            for (ImageSummary s : catalog.list()) {
                if (filter.matches(s)) {
                    out.add(summary(s, filter.tags(s), -1, -1));
                }
            }
        } catch (IOException e) {
            throw http(e, null);
        }
        x.json(200, out);
    }

    /** docker's ImageSummary; {@code containers} and {@code shared} are -1 where not computed, as dockerd's. */
    static Map<String, Object> summary(ImageSummary s, List<ImageRef> tags, int containers, long shared) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Containers", containers);
        m.put("Created", s.createdNanos() < 0 ? 0 : s.createdNanos() / 1_000_000_000L);
        m.put("Id", s.id().toString());
        m.put("Labels", s.labels());
        m.put("ParentId", "");
        Map<String, ImageRef> sorted = new TreeMap<>();
        for (ImageRef t : tags) {
            sorted.put(t.familiar(), t);
        }
        m.put("RepoDigests", s.repoDigests());
        m.put("RepoTags", new ArrayList<>(sorted.keySet()));
        m.put("SharedSize", shared);
        m.put("Size", s.size());
        return m;
    }

    private void inspect(Exchange x, String name) throws Exception {
        if (normalize(name).equals("host")) {
            x.json(200, hostImage());
            return;
        }
        try {
            x.json(200, ImageInspect.of(catalog().find(name)));
        } catch (IOException e) {
            throw http(e, name);
        }
    }

    /** {@code host}, however the client spelled it; any other name unchanged. */
    static String normalize(String image) {
        String s = image;
        if (s.startsWith("docker.io/")) {
            s = s.substring("docker.io/".length());
        }
        if (s.startsWith("library/")) {
            s = s.substring("library/".length());
        }
        return s.equals("host") || s.equals("host:latest") ? "host" : image;
    }

    /** The built-in {@code host} image: the host's /usr, /bin, /sbin and /lib, read-only. */
    static Map<String, Object> hostImage() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", HOST_ID);
        m.put("RepoTags", List.of("host:latest"));
        m.put("RepoDigests", List.of());
        m.put("Parent", "");
        m.put("Comment", "berth's built-in image: the host's /usr, /bin, /sbin and /lib, read-only");
        m.put("Created", "1970-01-01T00:00:00Z");
        m.put("Author", "");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        config.put("Cmd", null);
        config.put("Entrypoint", null);
        config.put("WorkingDir", "");
        config.put("Labels", Map.of());
        m.put("Config", config);
        m.put("Architecture", "amd64");
        m.put("Os", "linux");
        m.put("Size", 0);
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("Type", "layers");
        rootfs.put("Layers", List.of());
        m.put("RootFS", rootfs);
        return m;
    }

    // ---- tag, remove, history, prune ----

    private void tag(Exchange x, String name) throws Exception {
        String repo = x.request().query("repo");
        String tag = x.request().query("tag");
        if (repo == null || repo.isEmpty()) {
            throw new HttpException(400, "repository name must have at least one component: give repo=NAME");
        }
        ImageRef target;
        try {
            target = ImageRef.parse(tag == null || tag.isEmpty() ? repo : repo + ":" + tag);
        } catch (ImageException.InvalidReference e) {
            throw new HttpException(400, e.getMessage());
        }
        if (target.digest() != null) {
            throw new HttpException(400, "refusing to create a tag with a digest reference: give repo=NAME and tag=TAG");
        }
        try {
            ImageCatalog catalog = catalog();
            catalog.store().tag(target, catalog.find(name).root().digest());
        } catch (IOException e) {
            throw http(e, name);
        }
        x.respond(201, null, new byte[0]);
    }

    private void remove(Exchange x, String name) throws Exception {
        ImageDeleter.Result r;
        try {
            r = engine.imageAdmin().remove(name, Containers.flag(x.request().query("force")));
        } catch (IOException e) {
            throw http(e, name);
        }
        x.json(200, deletions(r));
    }

    /** docker's {@code [{"Untagged": ...}, {"Deleted": ...}]}. */
    private static List<Object> deletions(ImageDeleter.Result r) {
        List<Object> out = new ArrayList<>();
        for (String u : r.untagged()) {
            out.add(Map.of("Untagged", u));
        }
        for (Digest d : r.deleted()) {
            out.add(Map.of("Deleted", d.toString()));
        }
        return out;
    }

    private void history(Exchange x, String name) throws Exception {
        List<Object> out = new ArrayList<>();
        try {
            ImageCatalog.Match m = catalog().find(name);
            if (m.image().image() == null) {
                throw new HttpException(404, "image " + m.image().id() + " has no manifest for "
                    + dev.berth.image.Platform.current() + " in the store; pull or load it again");
            }
            List<String> tags = new ArrayList<>();
            for (ImageRef t : m.image().tags()) {
                tags.add(t.familiar());
            }
            for (ImageHistory.Entry e : ImageHistory.of(catalog().store(), m.image().image())) {
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("Comment", e.comment());
                h.put("Created", e.createdNanos() < 0 ? 0 : e.createdNanos() / 1_000_000_000L);
                h.put("CreatedBy", e.createdBy());
                h.put("Id", e.id());
                h.put("Size", e.size());
                h.put("Tags", out.isEmpty() && !tags.isEmpty() ? tags : null);
                out.add(h);
            }
        } catch (IOException e) {
            throw http(e, name);
        }
        x.json(200, out);
    }

    /** {@code dangling=false} is {@code image prune -a}: every image no container uses. */
    private void prune(Exchange x) throws Exception {
        List<String> specs = new ArrayList<>();
        boolean all = false;
        for (String s : Filters.specs(x.request().query("filters"))) {
            if (s.equals("dangling=false") || s.equals("dangling=0")) {
                all = true;
            } else if (!s.startsWith("dangling=")) {
                specs.add(s);
            }
        }
        ImageDeleter.Result r;
        try {
            r = engine.imageAdmin().prune(all, specs);
        } catch (IOException e) {
            throw http(e, null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> deleted = deletions(r);
        out.put("ImagesDeleted", deleted.isEmpty() ? null : deleted);
        out.put("SpaceReclaimed", r.reclaimed());
        x.json(200, out);
    }

    // ---- system df, build ----

    /** docker's DiskUsage: images with their containers and shared bytes, containers with SizeRw, volumes with UsageData; no build cache. */
    private void df(Exchange x) throws Exception {
        ImageAdmin.DiskUsage du;
        try {
            du = engine.imageAdmin().diskUsage();
        } catch (IOException e) {
            throw http(e, null);
        }
        List<String> types = x.request().queryAll("type");
        List<Object> images = new ArrayList<>();
        for (ImageAdmin.ImageUse u : du.images()) {
            images.add(summary(u.image(), u.image().tags(), u.containers(), u.shared()));
        }
        List<Object> containers = new ArrayList<>();
        long now = Timestamps.nowNanos();
        for (ImageAdmin.ContainerUse c : du.containers()) {
            Map<String, Object> e = Shapes.listEntry(c.state(), now);
            e.put("SizeRw", c.size());
            e.put("SizeRootFs", c.size());
            containers.add(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (types.isEmpty() || types.contains("image")) {
            out.put("LayersSize", du.layersSize());
            out.put("Images", images);
        }
        if (types.isEmpty() || types.contains("container")) {
            out.put("Containers", containers);
        }
        if (types.isEmpty() || types.contains("volume")) {
            List<Object> volumes = new ArrayList<>();
            for (dev.berth.engine.Volumes.Usage u : engine.volumes().usage()) {
                Map<String, Object> v = new LinkedHashMap<>(u.volume());
                Map<String, Object> usage = new LinkedHashMap<>();
                usage.put("RefCount", u.refCount());
                usage.put("Size", u.size());
                v.put("UsageData", usage);
                volumes.add(v);
            }
            out.put("Volumes", volumes);
        }
        if (types.isEmpty() || types.contains("build-cache")) {
            out.put("BuildCache", List.of());
        }
        x.json(200, out);
    }

    /**
     * berth builds no images. 501 names the refusal plainly; the docker CLI prints the message
     * as the daemon's error and exits 1.
     */
    private void build(Exchange x) throws Exception {
        x.error(501, "berth does not build images: build with buildah (buildah bud -t NAME .) or podman build, then"
            + " bring the image over with docker load (buildah push NAME docker-archive:FILE; docker load -i FILE)"
            + " or through a registry (docker pull)");
    }
}
