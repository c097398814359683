package dev.berth.api;

import dev.berth.api.http.Exchange;
import dev.berth.api.http.HttpException;
import dev.berth.api.http.Request;
import dev.berth.engine.Engine;
import dev.berth.image.ImageException;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.Pusher;
import dev.berth.image.registry.Registries;
import dev.berth.image.registry.RegistrySearch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /images/{name}/push} (docker push, through the image module's {@link Pusher}, with
 * dockerd's progress stream) and {@code GET /images/search} (docker search, {@link RegistrySearch}).
 * Credentials come from the client's {@code X-Registry-Auth} only, as for a pull.
 */
final class RegistryEndpoints {
    private final Engine engine;

    RegistryEndpoints(Engine engine) {
        this.engine = engine;
    }

    void routes(Routes r) {
        r.post("/images/{name*}/push", (x, p) -> push(x, p.get("name")));
        r.get("/images/search", (x, p) -> search(x));
    }

    /**
     * dockerd's stream: {@code The push refers to repository [NAME]} at once, then per layer
     * {@code Preparing}, {@code Pushing} (with progress), {@code Pushed} or {@code Layer already
     * exists} or {@code Mounted from REPO}, then {@code TAG: digest: sha256:... size: N} and an
     * aux message with Tag, Digest and Size, for each tag. No {@code tag} with a name without
     * one pushes every local tag of the repository. Errors after the first line are an
     * {@code errorDetail} line, as dockerd's ("tag does not exist", the registry's refusal).
     */
    void push(Exchange x, String name) throws Exception {
        Request q = x.request();
        ImageRef repo;
        String tag = q.query("tag");
        try {
            repo = ImageRef.parseNormalized(name);
            if (repo.digest() != null) {
                throw new HttpException(400, "cannot push a digest reference: push a tag of the image");
            }
            if (tag != null && !tag.isEmpty()) {
                repo = repo.withTag(tag);
            }
        } catch (ImageException.InvalidReference e) {
            throw new HttpException(400, e.getMessage());
        }
        Credentials creds = ImageTransfers.registryAuth(q.header("x-registry-auth"));
        ImageStore store = engine.images();
        try (Pusher pusher = Pusher.withCredentials(store, Registries.fromEnv(), creds)) {
            push(x, store, pusher, repo);
        }
    }

    private static void push(Exchange x, ImageStore store, Pusher pusher, ImageRef repo) throws IOException {
        ImageRef bare = new ImageRef(repo.domain(), repo.path(), null, null);
        PullStream stream = new PullStream(x, null, null);
        stream.status("The push refers to repository [" + bare.name() + "]");
        try {
            List<ImageRef> refs = repo.tag() != null ? List.of(repo) : pusher.tags(bare);
            if (refs.isEmpty()) {
                stream.error("An image does not exist locally with the tag: " + bare.familiar());
                return;
            }
            for (ImageRef ref : refs) {
                try {
                    store.resolve(ref);
                } catch (ImageException.NotFound e) {
                    stream.error("tag does not exist: " + ref.familiar());
                    return;
                }
                Pusher.Result r = pusher.push(ref, ref, stream);
                stream.check(); // the client went away: no more tags
                String label = r.ref().tag() != null ? r.ref().tag() : r.digest().toString();
                stream.status(label + ": digest: " + r.digest() + " size: " + r.size());
                Map<String, Object> aux = new LinkedHashMap<>();
                aux.put("Tag", label);
                aux.put("Digest", r.digest().toString());
                aux.put("Size", r.size());
                stream.aux(aux);
            }
        } catch (IOException e) {
            stream.check();
            stream.error(Images.forDocker(e.getMessage()));
        }
        stream.check();
    }

    /**
     * {@code term} (docker's: {@code HOST/QUERY} or a Docker Hub query), {@code limit} (1 to
     * 100, default 25), {@code filters} stars, is-official, is-automated; docker's
     * {@code SearchResult} list.
     */
    void search(Exchange x) throws Exception {
        Request q = x.request();
        String term = q.query("term");
        if (term == null || term.isEmpty()) {
            throw new HttpException(400, "give the search term: term=[HOST/]QUERY");
        }
        int limit = Containers.intParam(q, "limit", RegistrySearch.DEFAULT_LIMIT);
        Map<String, List<String>> filters = Filters.byKey(q.query("filters"));
        Credentials creds = ImageTransfers.registryAuth(q.header("x-registry-auth"));
        List<RegistrySearch.Result> found;
        try {
            found = new RegistrySearch(Registries.fromEnv(), creds).search(term, limit, filters);
        } catch (IOException e) {
            throw Images.http(e, null);
        }
        List<Object> out = new ArrayList<>();
        for (RegistrySearch.Result r : found) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("star_count", r.stars());
            m.put("is_official", r.official());
            m.put("name", r.name());
            m.put("is_automated", r.automated());
            m.put("description", r.description());
            out.add(m);
        }
        x.json(200, out);
    }
}
