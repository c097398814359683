package dev.berth.image;

import dev.berth.runtime.events.EventLog;
import java.util.Map;

/**
 * The events of images in the state root's event log ({@code docker events --filter
 * type=image}), in docker's shape: pull and push name the reference, tag names the new one,
 * untag, delete, load, save and import the image's id; {@code name} is the reference concerned.
 * Logged where the operation is carried out, so the CLI and the daemon log the same.
 */
public final class ImageEvents {
    private ImageEvents() {}

    /** Logs {@code action} of the image {@code id}; {@code store} tells whose root. */
    public static void log(ImageStore store, String action, String id, String name) {
        EventLog.at(store.dir().getParent()).log("image", action, id, Map.of("name", name == null ? id : name));
    }
}
