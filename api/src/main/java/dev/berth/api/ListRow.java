package dev.berth.api;

import dev.berth.engine.HumanTime;
import dev.berth.engine.ImageAdmin;
import dev.berth.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's entry of {@code GET /containers/json}, made once per change of its state
 * ({@link dev.berth.engine.Listing}): the JSON of what stays the same while the state does,
 * written once, and what each answer computes again, Image (the image may have been retagged)
 * and Status ("Up 5 minutes"). A {@code docker ps} of 100 containers spent most of its time
 * parsing their states and writing the same entries again.
 */
final class ListRow {
    /** Running or paused: what {@code ps} without {@code -a} shows. */
    final boolean running;
    /** The stable part's JSON, without its closing brace. */
    private final String head;
    /** The Status column, made again with each answer's time. */
    private final HumanTime.Status status;
    /** What {@link ImageAdmin.ListedImages#of} reads: the top-level Image and Config.Image. */
    private final Map<String, Object> image;

    private ListRow(boolean running, String head, HumanTime.Status status, Map<String, Object> image) {
        this.running = running;
        this.head = head;
        this.status = status;
        this.image = image;
    }

    static ListRow of(Map<String, Object> s) {
        Map<String, Object> st = Json.map(s, "State");
        Object status = st.get("Status");
        String json = Json.compact(Shapes.stableListEntry(s));
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("Image", s.get("Image"));
        Map<String, Object> config = Json.map(s, "Config");
        if (config != null && config.get("Image") != null) {
            image.put("Config", Map.of("Image", config.get("Image")));
        }
        return new ListRow("running".equals(status) || "paused".equals(status),
            json.substring(0, json.length() - 1), HumanTime.Status.of(st), image);
    }

    /** Appends the entry as it is now. */
    void append(StringBuilder out, long nowNanos, ImageAdmin.ListedImages images) {
        out.append(head).append(",\"Image\":").append(Json.compact(images.of(image)))
            .append(",\"Status\":").append(Json.compact(status.at(nowNanos))).append('}');
    }
}
