package dev.berth.runtime;

import java.util.List;
import java.util.Map;

/**
 * The parts of a container beyond its namespaces and process: mounts asked for, sysctls,
 * the cgroup it joins, and whether it is privileged.
 *
 * @param privileged no masked or read-only kernel paths, a writable /sys and the host's /dev
 * @param sysctls written under /proc/sys inside the container, once its /proc is mounted
 * @param mounts mounted after the container's /dev, in order
 * @param cgroupProcs the files the container's first process joins its cgroup through ({@code Cgroup.joinFiles})
 *     (one per v1 hierarchy, or one on v2) before its namespaces exist
 * @param noPivot switch to the root by moving it onto {@code /} and chrooting, not with
 *     pivot_root, which a host running from its initramfs refuses (docker's {@code DOCKER_RAMDISK})
 */
public record ContainerOptions(boolean privileged, Map<String, String> sysctls, List<MountSpec> mounts,
    List<String> cgroupProcs, boolean noPivot) {

    public static final ContainerOptions NONE = new ContainerOptions(false, Map.of(), List.of(), List.of());

    public ContainerOptions(boolean privileged, Map<String, String> sysctls, List<MountSpec> mounts,
        List<String> cgroupProcs) {
        this(privileged, sysctls, mounts, cgroupProcs, false);
    }

    public ContainerOptions {
        sysctls = Map.copyOf(sysctls);
        mounts = List.copyOf(mounts);
        cgroupProcs = List.copyOf(cgroupProcs);
    }
}
