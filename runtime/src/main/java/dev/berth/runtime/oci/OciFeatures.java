package dev.berth.runtime.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The document {@code berth-runtime features} prints (runtime-spec features.md), in the member
 * order runc prints. It states what berth-runtime recognises and implements, whatever the host:
 * the namespaces, capabilities and mount options the reader takes, and {@link OciSupport}'s
 * switches. The seccomp and cgroup sections describe packages of their own and are passed in.
 */
public final class OciFeatures {
    /**
     * What the seccomp package implements; {@code enabled} false leaves the section out, as runc
     * built without seccomp does.
     */
    public record Seccomp(boolean enabled, List<String> actions, List<String> operators,
        List<String> archs, List<String> knownFlags, List<String> supportedFlags) {
        public Seccomp {
            actions = List.copyOf(actions);
            operators = List.copyOf(operators);
            archs = List.copyOf(archs);
            knownFlags = List.copyOf(knownFlags);
            supportedFlags = List.copyOf(supportedFlags);
        }
    }

    /** Which cgroup managers the cgroup package implements. */
    public record Cgroup(boolean v1, boolean v2, boolean systemd, boolean systemdUser, boolean rdma) {}

    /**
     * Placeholders until the seccomp package reports its own lists: every action and operator
     * the runtime-spec names except SCMP_ACT_NOTIFY (it needs a listener socket, which nothing
     * serves yet), the x86-64 ABIs (x86_64, and the i386 and x32 calls a filter must also
     * answer) and aarch64, and the filter flags seccomp(2) takes without an agent.
     */
    public static final Seccomp ASSUMED_SECCOMP = new Seccomp(true,
        List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"),
        List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"),
        List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"),
        List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"),
        List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"));

    /** Placeholder until the cgroup package reports: cgroup v2 by cgroupfs only. */
    public static final Cgroup ASSUMED_CGROUP = new Cgroup(false, true, false, false, false);

    private OciFeatures() {}

    /** With the assumed seccomp and cgroup sections and no annotations. */
    public static Map<String, Object> document() {
        return document(ASSUMED_SECCOMP, ASSUMED_CGROUP, Map.of());
    }

    /** @param annotations e.g. the berth version; left out when empty */
    public static Map<String, Object> document(Seccomp seccomp, Cgroup cgroup,
        Map<String, String> annotations) {
        Map<String, Object> linux = new LinkedHashMap<>();
        List<String> namespaces = new ArrayList<>(OciNames.NAMESPACES);
        namespaces.sort(null);
        linux.put("namespaces", namespaces);
        linux.put("capabilities", OciNames.CAPABILITIES);
        linux.put("cgroup", obj("v1", cgroup.v1(), "v2", cgroup.v2(), "systemd", cgroup.systemd(),
            "systemdUser", cgroup.systemdUser(), "rdma", cgroup.rdma()));
        if (seccomp.enabled()) {
            linux.put("seccomp", obj("enabled", true, "actions", seccomp.actions(),
                "operators", seccomp.operators(), "archs", seccomp.archs(),
                "knownFlags", seccomp.knownFlags(), "supportedFlags", seccomp.supportedFlags()));
        }
        linux.put("apparmor", obj("enabled", OciSupport.APPARMOR));
        linux.put("selinux", obj("enabled", OciSupport.SELINUX));
        linux.put("intelRdt", obj("enabled", OciSupport.INTEL_RDT));
        linux.put("mountExtensions", obj("idmap", obj("enabled", OciSupport.IDMAP_MOUNTS)));
        linux.put("netDevices", obj("enabled", OciSupport.NET_DEVICES));

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ociVersionMin", "1.0.0");
        doc.put("ociVersionMax", OciSpec.VERSION);
        doc.put("hooks", OciNames.HOOKS);
        doc.put("mountOptions", MountOptions.known());
        doc.put("linux", linux);
        if (!annotations.isEmpty()) {
            doc.put("annotations", OciJson.sortedKeys(annotations));
        }
        return doc;
    }

    /** The text {@code features} prints: four-space indents and a final newline, as runc. */
    public static String json() {
        return OciJson.indent(document(), "    ") + "\n";
    }

    private static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
