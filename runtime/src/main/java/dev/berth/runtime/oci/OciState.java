package dev.berth.runtime.oci;

import dev.berth.runtime.Timestamps;
import dev.berth.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's state as the runtime-spec defines it, in the two shapes runc writes:
 * {@link #document()} is what {@code state} prints (runc's own superset: rootfs, created and
 * owner added, pid always present); {@link #hookDocument()} is what each hook reads on stdin
 * (the spec's State: no rootfs, created or owner, pid only while there is a process).
 * Annotation keys come out sorted, as Go writes a map.
 *
 * @param ociVersion the runtime-spec version of the runtime, not of the bundle's config
 * @param pid the container's init as the runtime sees it, 0 when there is none (stopped)
 * @param bundle the bundle's absolute path
 * @param rootfs root.path, absolute
 * @param createdNanos when create began, in nanoseconds since the epoch
 * @param owner "" in {@code state} output (runc fills it only in {@code list})
 */
public record OciState(String ociVersion, String id, int pid, Status status, String bundle,
    String rootfs, long createdNanos, String owner, Map<String, String> annotations) {

    /** The lifecycle: {@code paused} is runc's addition to the runtime-spec's four. */
    public enum Status {
        CREATING("creating"), CREATED("created"), RUNNING("running"), STOPPED("stopped"), PAUSED("paused");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        /** The lower-case name the documents use. */
        public String text() {
            return text;
        }

        /** The status named {@code text}, or null. */
        public static Status of(String text) {
            for (Status s : values()) {
                if (s.text.equals(text)) {
                    return s;
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    public OciState {
        annotations = Frozen.map(OciJson.sortedKeys(annotations == null ? Map.of() : annotations));
    }

    /**
     * runc's {@code state} document: ociVersion, id, pid, status, bundle, rootfs, created,
     * annotations (when there are any), owner.
     */
    public Map<String, Object> document() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", ociVersion);
        m.put("id", id);
        m.put("pid", pid);
        m.put("status", status.text());
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", Timestamps.format(createdNanos));
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        m.put("owner", owner);
        return m;
    }

    /** What {@code state} prints: two-space indents, no final newline, as runc. */
    public String json() {
        return OciJson.indent(document(), "  ");
    }

    /** The runtime-spec's State, which hooks read: ociVersion, id, status, [pid,] bundle, [annotations]. */
    public Map<String, Object> hookDocument() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", ociVersion);
        m.put("id", id);
        m.put("status", status.text());
        if (pid != 0) {
            m.put("pid", pid);
        }
        m.put("bundle", bundle);
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return m;
    }

    /** A hook's stdin: the State on one line, no final newline, as runc writes it. */
    public String hookJson() {
        return Json.compact(hookDocument());
    }

    /** The same state with {@code owner}, as {@code list} shows it. */
    public OciState withOwner(String owner) {
        return new OciState(ociVersion, id, pid, status, bundle, rootfs, createdNanos, owner, annotations);
    }

    /** The same state at another point of the lifecycle. */
    public OciState with(Status next, int nextPid) {
        return new OciState(ociVersion, id, nextPid, next, bundle, rootfs, createdNanos, owner, annotations);
    }
}
