package dev.berth.runtime;

import java.nio.file.Path;

/** How a container gets one kind of namespace: a new one, the host's, or a joined one. */
public sealed interface NamespaceMode {
    /** A fresh namespace of its own. */
    record Private() implements NamespaceMode {}

    /** The namespace the engine runs in. */
    record Host() implements NamespaceMode {}

    /** An existing namespace, named by a namespace file such as {@code /proc/PID/ns/net}. */
    record Join(Path path) implements NamespaceMode {}

    NamespaceMode PRIVATE = new Private();
    NamespaceMode HOST = new Host();
}
