package dev.berth.runtime.seccomp;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** berth's default profile, and the resolution of a docker profile for one container. */
public final class SeccompProfiles {
    /** docker's architecture names and the runtime-spec name of each (moby's table). */
    private static final String[][] DOCKER_ARCHES = {
        {"amd64", "SCMP_ARCH_X86_64"}, {"x86", "SCMP_ARCH_X86"}, {"arm64", "SCMP_ARCH_AARCH64"},
        {"arm", "SCMP_ARCH_ARM"}, {"mips64", "SCMP_ARCH_MIPS64"}, {"mips64n32", "SCMP_ARCH_MIPS64N32"},
        {"mipsel64", "SCMP_ARCH_MIPSEL64"}, {"mips3l64n32", "SCMP_ARCH_MIPSEL64N32"},
        {"mipsle", "SCMP_ARCH_MIPSEL"}, {"ppc", "SCMP_ARCH_PPC"}, {"ppc64", "SCMP_ARCH_PPC64"},
        {"ppc64le", "SCMP_ARCH_PPC64LE"}, {"s390", "SCMP_ARCH_S390"}, {"s390x", "SCMP_ARCH_S390X"},
        {"riscv64", "SCMP_ARCH_RISCV64"}};

    private static volatile DockerProfile defaultProfile;

    private SeccompProfiles() {}

    /**
     * berth's default: docker's default profile in effect (an allow-list, EPERM for the rest,
     * the privileged calls opened by the capabilities that make them useful), written in
     * docker's format as {@code default.json} beside this class.
     */
    public static DockerProfile defaultProfile() {
        DockerProfile p = defaultProfile;
        if (p == null) {
            try (InputStream in = SeccompProfiles.class.getResourceAsStream("default.json")) {
                if (in == null) {
                    throw new IllegalStateException("seccomp: default.json is missing from the runtime jar");
                }
                p = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SeccompException e) {
                throw new IllegalStateException("berth's own default.json: " + e.getMessage(), e);
            }
            defaultProfile = p;
        }
        return p;
    }

    /** A docker profile from the text of its file. */
    public static DockerProfile parse(String json) throws SeccompException {
        try {
            return DockerProfile.fromJson(Json.parseObject(json));
        } catch (JsonException e) {
            throw new SeccompException("seccomp: the profile is not JSON: " + e.getMessage());
        }
    }

    /**
     * The runtime-spec filter docker would write to config.json for a container: the entries
     * whose {@code includes} hold and whose {@code excludes} do not, the architectures of the
     * {@code archMap} entry of {@code nativeArch}.
     *
     * @param capabilities the container's bounding set, {@code CAP_SYS_ADMIN} or {@code SYS_ADMIN}
     * @param nativeArch docker's name of the host architecture: {@code amd64}, {@code arm64}
     *     (see {@link SeccompArch#dockerName()})
     * @param kernelRelease the running kernel, as {@code uname -r} or Java's {@code os.version}
     *     print it; only read when an entry has a {@code minKernel}
     */
    public static Seccomp resolve(DockerProfile profile, Set<String> capabilities, String nativeArch,
                                  String kernelRelease) throws SeccompException {
        String arch = dockerArch(nativeArch);
        String scmpArch = null;
        for (String[] a : DOCKER_ARCHES) {
            if (a[0].equals(arch)) {
                scmpArch = a[1];
            }
        }
        List<String> arches = profile.architectures();
        if (arches.isEmpty()) {
            for (DockerProfile.ArchMap m : profile.archMap()) {
                if (m.architecture().equals(scmpArch)) {
                    List<String> l = new ArrayList<>(1 + m.subArchitectures().size());
                    l.add(m.architecture());
                    l.addAll(m.subArchitectures());
                    arches = List.copyOf(l);
                    break;
                }
            }
        }
        Set<String> caps = new HashSet<>();
        for (String c : capabilities) {
            String u = c.toUpperCase(Locale.ROOT);
            caps.add(u.startsWith("CAP_") ? u : "CAP_" + u);
        }
        int kernel = -1;
        List<Seccomp.Rule> rules = new ArrayList<>(profile.syscalls().size());
        for (DockerProfile.Entry e : profile.syscalls()) {
            DockerProfile.Filter in = e.includes();
            DockerProfile.Filter ex = e.excludes();
            if (kernel < 0 && (in.minKernel() >= 0 || ex.minKernel() >= 0)) {
                kernel = kernelRelease == null ? -1 : DockerProfile.kernel(kernelRelease);
                if (kernel < 0) {
                    throw new SeccompException("seccomp: the kernel version \"" + kernelRelease
                        + "\" does not start with MAJOR.MINOR, which the profile's minKernel needs");
                }
            }
            if (ex.arches().contains(arch) || anyIn(ex.caps(), caps)
                || (ex.minKernel() >= 0 && kernel >= ex.minKernel())) {
                continue;
            }
            if ((!in.arches().isEmpty() && !in.arches().contains(arch)) || !caps.containsAll(in.caps())
                || (in.minKernel() >= 0 && kernel < in.minKernel())) {
                continue;
            }
            rules.add(e.rule());
        }
        return new Seccomp(profile.defaultAction(), profile.defaultErrnoRet(), arches, profile.flags(),
            List.copyOf(rules));
    }

    private static String dockerArch(String name) throws SeccompException {
        String a = switch (name == null ? "" : name) {
            case "x86_64" -> "amd64";
            case "386", "i386", "i686" -> "x86";
            case "aarch64" -> "arm64";
            default -> name;
        };
        for (String[] d : DOCKER_ARCHES) {
            if (d[0].equals(a)) {
                return a;
            }
        }
        throw new SeccompException("seccomp: unknown architecture \"" + name + "\": use docker's names, "
            + "such as amd64 or arm64");
    }

    private static boolean anyIn(List<String> names, Set<String> set) {
        for (String n : names) {
            if (set.contains(n)) {
                return true;
            }
        }
        return false;
    }
}
