package dev.berth.image;

import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker's image filters ({@code images -f}, {@code image prune --filter}): {@code dangling=},
 * {@code label=KEY[=VALUE]}, {@code label!=KEY[=VALUE]}, {@code before=IMAGE},
 * {@code since=IMAGE}, {@code reference=PATTERN} (Go's path.Match on the familiar name, with or
 * without tag) and {@code until=TIME} (a duration such as {@code 24h}, an RFC 3339 time, a date
 * or unix seconds). Several values of one key match any of them; different keys must all match.
 */
public final class ImageFilter {
    /** The keys {@code images} accepts. */
    public static final Set<String> LIST_KEYS = Set.of("dangling", "label", "before", "since", "reference", "until");
    /** The keys {@code image prune} accepts. */
    public static final Set<String> PRUNE_KEYS = Set.of("dangling", "label", "label!", "until");

    private Boolean dangling;
    private final List<String> labels = new ArrayList<>();
    private final List<String> notLabels = new ArrayList<>();
    private final List<String> references = new ArrayList<>();
    private long before = Long.MAX_VALUE;
    private long since = Long.MIN_VALUE;
    private long until = Long.MAX_VALUE;

    private ImageFilter() {}

    /** No filter: everything matches. */
    public static ImageFilter none() {
        return new ImageFilter();
    }

    /**
     * Parses {@code KEY=VALUE} specs. {@code before} and {@code since} name images, looked up in
     * {@code catalog}; {@code nowNanos} is what durations count back from.
     */
    public static ImageFilter parse(List<String> specs, Set<String> allowed, ImageCatalog catalog, long nowNanos)
        throws IOException {
        ImageFilter f = new ImageFilter();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new ImageException.InvalidArgument("bad format of filter \"" + spec + "\": expected KEY=VALUE");
            }
            String key = spec.substring(0, eq);
            String value = spec.substring(eq + 1);
            if (!allowed.contains(key)) {
                throw new ImageException.InvalidArgument("invalid filter '" + key + "': use one of "
                    + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
            switch (key) {
                case "dangling" -> {
                    if (value.equalsIgnoreCase("true") || value.equals("1")) {
                        f.dangling = Boolean.TRUE;
                    } else if (value.equalsIgnoreCase("false") || value.equals("0")) {
                        f.dangling = Boolean.FALSE;
                    } else {
                        throw new ImageException.InvalidArgument("invalid filter 'dangling=" + value + "': use dangling=true or dangling=false");
                    }
                }
                case "label" -> f.labels.add(value);
                case "label!" -> f.notLabels.add(value);
                case "reference" -> {
                    Glob.matches(value, ""); // a bad pattern fails here, before any image is read
                    f.references.add(value);
                }
                case "before" -> f.before = Math.min(f.before, createdOf(catalog, value));
                case "since" -> f.since = Math.max(f.since, createdOf(catalog, value));
                default -> f.until = Math.min(f.until, time(value, nowNanos));
            }
        }
        return f;
    }

    private static long createdOf(ImageCatalog catalog, String ref) throws IOException {
        return catalog.find(ref).image().createdNanos();
    }

    /** The {@code dangling=} value, or null when not given. */
    public Boolean dangling() {
        return dangling;
    }

    public boolean hasReference() {
        return !references.isEmpty();
    }

    /** True when the image passes every filter except {@code reference} (see {@link #tags}). */
    public boolean matches(ImageSummary s) {
        if (dangling != null && dangling != s.dangling()) {
            return false;
        }
        if (s.createdNanos() >= before || s.createdNanos() <= since && since != Long.MIN_VALUE) {
            return false;
        }
        if (until != Long.MAX_VALUE && (s.createdNanos() < 0 || s.createdNanos() > until)) {
            return false;
        }
        Map<String, String> l = s.labels();
        for (String want : labels) {
            if (!hasLabel(l, want)) {
                return false;
            }
        }
        for (String unwanted : notLabels) {
            if (hasLabel(l, unwanted)) {
                return false;
            }
        }
        if (!references.isEmpty() && tags(s).isEmpty()) {
            return false;
        }
        return true;
    }

    /** The image's tags that match the {@code reference} patterns (all of them when there are none). */
    public List<ImageRef> tags(ImageSummary s) {
        if (references.isEmpty()) {
            return s.tags();
        }
        List<ImageRef> out = new ArrayList<>();
        for (ImageRef t : s.tags()) {
            for (String pattern : references) {
                if (referenceMatches(pattern, t)) {
                    out.add(t);
                    break;
                }
            }
        }
        return out;
    }

    /** docker's FamiliarMatch: the pattern against {@code name:tag}, then against {@code name}. */
    static boolean referenceMatches(String pattern, ImageRef ref) {
        try {
            return Glob.matches(pattern, ref.familiar())
                || Glob.matches(pattern, new ImageRef(ref.domain(), ref.path(), null, null).familiar());
        } catch (ImageException.InvalidArgument e) {
            return false; // checked when parsed
        }
    }

    private static boolean hasLabel(Map<String, String> labels, String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0) {
            return labels.containsKey(spec);
        }
        String v = labels.get(spec.substring(0, eq));
        return v != null && v.equals(spec.substring(eq + 1));
    }

    /**
     * docker's GetTimestamp: a Go duration before now ({@code 10m}, {@code 1h30m}), an RFC 3339
     * time, {@code YYYY-MM-DD[THH:MM:SS]} (UTC), or unix seconds with an optional fraction.
     */
    public static long time(String v, long nowNanos) throws ImageException.InvalidArgument {
        long d = dev.berth.runtime.events.EventTimes.duration(v);
        if (d >= 0) {
            return nowNanos - d;
        }
        long t = Timestamps.parse(v);
        if (t < 0 && v.length() == 10) {
            t = Timestamps.parse(v + "T00:00:00Z");
        } else if (t < 0 && v.length() == 19) {
            t = Timestamps.parse(v + "Z");
        }
        if (t >= 0) {
            return t;
        }
        int dot = v.indexOf('.');
        String secs = dot < 0 ? v : v.substring(0, dot);
        if (!secs.isEmpty() && isDigits(secs) && (dot < 0 || isDigits(v.substring(dot + 1)))) {
            long nanos = 0;
            if (dot >= 0) {
                String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
                nanos = Long.parseLong(frac);
            }
            return Long.parseLong(secs) * 1_000_000_000L + nanos;
        }
        throw new ImageException.InvalidArgument("invalid time \"" + v + "\": use a duration (24h, 10m), an RFC 3339 time, "
            + "YYYY-MM-DD or unix seconds");
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
