package dev.berth.image.registry;

import dev.berth.image.ImageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code docker search}: dockerd asks the registry's v1 search API, which Docker Hub serves and
 * a distribution (v2) registry does not. So: the v1 API when the registry answers it, else the
 * repositories of its catalog ({@code /v2/_catalog}) whose name contains the term, named
 * {@code HOST/REPO} so that they can be pulled as listed; a registry with neither is a
 * {@link RegistryException.NotFound} that says so. Then docker's filters ({@code stars},
 * {@code is-official}, {@code is-automated}) over at most {@code limit} results.
 */
public final class RegistrySearch {
    /** dockerd's default and bounds for {@code limit}. */
    public static final int DEFAULT_LIMIT = 25;
    public static final int MAX_LIMIT = 100;

    /** One result, docker's {@code SearchResult}. */
    public record Result(String name, String description, long stars, boolean official, boolean automated) {}

    private final Registries registries;
    private final Credentials credentials;

    /** {@code credentials}: the caller's (the daemon's X-Registry-Auth), null for anonymous. */
    public RegistrySearch(Registries registries, Credentials credentials) {
        this.registries = registries;
        this.credentials = credentials;
    }

    /**
     * dockerd's split of a search term: {@code HOST/REST} when the first part looks like a host
     * (a dot, a colon, or localhost), else Docker Hub and the whole term.
     */
    static String[] split(String term) {
        int slash = term.indexOf('/');
        if (slash > 0) {
            String first = term.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                return new String[] {first, term.substring(slash + 1)};
            }
        }
        return new String[] {"docker.io", term};
    }

    /** Searches as above; {@code filters} by key, as the API's {@code filters} parameter. */
    public List<Result> search(String term, int limit, Map<String, List<String>> filters) throws IOException {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ImageException.InvalidArgument("limit " + limit + " is outside the range of [1, " + MAX_LIMIT + "]");
        }
        if (term.contains("://")) {
            throw new ImageException.InvalidArgument("invalid repository name: repository name (" + term
                + ") should not have a scheme");
        }
        Filter f = Filter.of(filters);
        String[] parts = split(term);
        String domain = parts[0];
        String query = parts[1];
        try (RegistryClient c = new RegistryClient(domain, registries, credentials)) {
            return search(c, domain, query, limit, f);
        }
    }

    private static List<Result> search(RegistryClient c, String domain, String query, int limit, Filter f) throws IOException {
        List<Result> found = new ArrayList<>();
        List<Map<String, Object>> v1 = c.searchV1(query, limit);
        if (v1 != null) {
            for (Map<String, Object> e : v1) {
                found.add(new Result(String.valueOf(e.get("name")), e.get("description") instanceof String d ? d : "",
                    e.get("star_count") instanceof Number n ? n.longValue() : 0, Boolean.TRUE.equals(e.get("is_official")),
                    Boolean.TRUE.equals(e.get("is_automated"))));
            }
        } else {
            List<String> repos = domain.equals("docker.io") ? null : c.catalog();
            if (repos == null) {
                throw new RegistryException.NotFound(domain + " serves neither docker's search API (/v1/search) nor a"
                    + " catalog (/v2/_catalog), so it cannot be searched: pull the repository by its name");
            }
            String needle = query.toLowerCase(Locale.ROOT);
            for (String r : repos) {
                if (found.size() >= limit) {
                    break;
                }
                if (r.toLowerCase(Locale.ROOT).contains(needle)) {
                    found.add(new Result(domain + "/" + r, "", 0, false, false));
                }
            }
        }
        List<Result> out = new ArrayList<>();
        for (Result r : found) {
            if (out.size() < limit && f.accepts(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** docker's search filters; other keys are refused as dockerd refuses them. */
    private record Filter(long stars, Boolean official, Boolean automated) {
        static Filter of(Map<String, List<String>> filters) throws ImageException {
            long stars = 0;
            Boolean official = null;
            Boolean automated = null;
            for (Map.Entry<String, List<String>> e : filters.entrySet()) {
                for (String v : e.getValue()) {
                    switch (e.getKey()) {
                        case "stars" -> {
                            try {
                                stars = Math.max(stars, Long.parseLong(v));
                            } catch (NumberFormatException x) {
                                throw new ImageException.InvalidArgument("invalid filter 'stars=" + v + "'");
                            }
                        }
                        case "is-official" -> official = bool("is-official", v);
                        case "is-automated" -> automated = bool("is-automated", v);
                        default -> throw new ImageException.InvalidArgument("invalid filter '" + e.getKey()
                            + "': give stars=N, is-official=true|false or is-automated=true|false");
                    }
                }
            }
            return new Filter(stars, official, automated);
        }

        private static Boolean bool(String key, String v) throws ImageException {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "1" -> Boolean.TRUE;
                case "false", "0" -> Boolean.FALSE;
                default -> throw new ImageException.InvalidArgument("invalid filter '" + key + "=" + v + "'");
            };
        }

        boolean accepts(Result r) {
            return r.stars() >= stars && (official == null || official == r.official())
                && (automated == null || automated == r.automated());
        }
    }
}
