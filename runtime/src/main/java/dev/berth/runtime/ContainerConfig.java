package dev.berth.runtime;

import dev.berth.linux.NsKind;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to create one container, resolved by the engine and checked: the runtime
 * only turns it into a stage program. Paths are host paths.
 *
 * @param stateDir the container's directory: the monitor's cwd, ctl.sock, the exit file; for the
 *     host image it must hold the empty mount points {@code rootfs} and {@code scratch}, made by
 *     the host's root because root of a user namespace may not write there
 * @param etcFiles host files bind-mounted over {@code /etc/hostname}, {@code /etc/hosts} and
 *     {@code /etc/resolv.conf}, keyed by the name under {@code /etc}
 * @param timeOffsets {@code timens_offsets} text, or null
 * @param exitCommand what the monitor runs once the container exited, or an empty list
 * @param ephemeral removed when it exits (--rm): nothing of it needs to survive a machine crash,
 *     which ends the container anyway, so its state is written without fsync
 * @param options mounts, sysctls, cgroup, privileged
 */
public record ContainerConfig(
    String id,
    Path stateDir,
    Path logFile,
    Rootfs rootfs,
    String hostname,
    Map<NsKind, NamespaceMode> namespaces,
    IdMap uidMap,
    IdMap gidMap,
    String timeOffsets,
    Map<String, Path> etcFiles,
    ProcessSpec process,
    List<String> exitCommand,
    boolean ephemeral,
    ContainerOptions options) {

    public ContainerConfig(String id, Path stateDir, Path logFile, Rootfs rootfs, String hostname,
        Map<NsKind, NamespaceMode> namespaces, IdMap uidMap, IdMap gidMap, String timeOffsets,
        Map<String, Path> etcFiles, ProcessSpec process, List<String> exitCommand, boolean ephemeral) {
        this(id, stateDir, logFile, rootfs, hostname, namespaces, uidMap, gidMap, timeOffsets, etcFiles,
            process, exitCommand, ephemeral, ContainerOptions.NONE);
    }

    public ContainerConfig {
        namespaces = new EnumMap<>(namespaces);
        etcFiles = Map.copyOf(etcFiles);
        exitCommand = List.copyOf(exitCommand);
        for (NsKind k : NsKind.values()) {
            namespaces.putIfAbsent(k, NamespaceMode.HOST);
        }
        namespaces = Map.copyOf(namespaces);
    }

    public NamespaceMode namespace(NsKind kind) {
        return namespaces.get(kind);
    }

    public boolean isPrivate(NsKind kind) {
        return namespaces.get(kind) instanceof NamespaceMode.Private;
    }

    /** True when the container runs in a user namespace other than the engine's. */
    public boolean inUserNamespace() {
        return !(namespaces.get(NsKind.USER) instanceof NamespaceMode.Host);
    }
}
