package dev.berth.engine;

import java.util.List;

/**
 * What {@link Engine#commit} makes of a container (docker commit's options).
 *
 * @param repository {@code REPOSITORY[:TAG]} for the new image, or null for an untagged one
 * @param author {@code -a}, or null
 * @param message {@code -m}, or null
 * @param changes {@code -c} Dockerfile instructions applied to the config
 * @param pause freeze the container while its files are read (docker's default)
 */
public record CommitRequest(String repository, String author, String message, List<String> changes, boolean pause) {
    public CommitRequest {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    /** An untagged image, paused, no message. */
    public static CommitRequest of(String repository) {
        return new CommitRequest(repository, null, null, List.of(), true);
    }
}
