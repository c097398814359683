package dev.berth.runtime.oci;

import java.util.List;

/**
 * What of a valid config berth-runtime cannot do. Such a config is refused, not run with the
 * part left out: each of these either confines the container (an LSM label) or gives it
 * something it counts on (a device, a cache partition, an id mapping), so dropping it silently
 * would run a different container than the one asked for. The features document reports the
 * same switches; flip one when the engine learns the feature.
 */
public final class OciSupport {
    public static final boolean APPARMOR = false;
    public static final boolean SELINUX = false;
    public static final boolean INTEL_RDT = false;
    public static final boolean NET_DEVICES = false;
    public static final boolean IDMAP_MOUNTS = false;

    private static final String NO = "is set but berth-runtime has no ";

    private OciSupport() {}

    static void check(OciSpec s, OciParser p) throws OciSpecException {
        OciProcess proc = s.process();
        if (!APPARMOR && proc != null && !proc.apparmorProfile().isEmpty()) {
            throw p.error("process.apparmorProfile", NO + "AppArmor support (remove it)");
        }
        if (!SELINUX && proc != null && !proc.selinuxLabel().isEmpty()) {
            throw p.error("process.selinuxLabel", NO + "SELinux support (remove it)");
        }
        if (!SELINUX && !s.linux().mountLabel().isEmpty()) {
            throw p.error("linux.mountLabel", NO + "SELinux support (remove it)");
        }
        if (!INTEL_RDT && s.linux().intelRdt() != null) {
            throw p.error("linux.intelRdt", NO + "Intel RDT support (remove it)");
        }
        if (!NET_DEVICES && s.linux().netDevices() != null && !s.linux().netDevices().isEmpty()) {
            throw p.error("linux.netDevices",
                "is set but berth-runtime cannot move network devices (remove it)");
        }
        if (!IDMAP_MOUNTS) {
            List<OciMount> mounts = s.mounts();
            for (int i = 0; i < mounts.size(); i++) {
                OciMount m = mounts.get(i);
                if (!m.uidMappings().isEmpty() || m.parsedOptions().idmap()) {
                    throw p.error("mounts[" + i + "]", "is an id-mapped mount, which berth-runtime does not"
                        + " support yet (remove its uidMappings, gidMappings and idmap options)");
                }
            }
        }
    }
}
