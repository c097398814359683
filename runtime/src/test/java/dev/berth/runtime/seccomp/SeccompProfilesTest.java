package dev.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docker's profile format and its resolution for one container, as docker writes config.json. */
class SeccompProfilesTest {
    static final Set<String> CAPS = SeccompDefaultProfileTest.DOCKER_CAPS;

    static Seccomp resolve(Set<String> caps, String arch, String kernel) throws SeccompException {
        return SeccompProfiles.resolve(SeccompProfiles.defaultProfile(), caps, arch, kernel);
    }

    /** The rules naming {@code name}, as "ACTION[/args]". */
    static List<String> rulesFor(Seccomp s, String name) {
        List<String> out = new ArrayList<>();
        for (Seccomp.Rule r : s.syscalls()) {
            if (r.names().contains(name)) {
                out.add(r.action().ociName() + (r.args().isEmpty() ? "" : "/" + r.args().size()));
            }
        }
        return out;
    }

    static Set<String> caps(String... more) {
        Set<String> s = new HashSet<>(CAPS);
        s.addAll(List.of(more));
        return s;
    }

    @Test
    void architecturesComeFromTheArchMap() throws SeccompException {
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), resolve(CAPS, "amd64", "6.8").architectures());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), resolve(CAPS, "x86_64", "6.8").architectures());
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), resolve(CAPS, "arm64", "6.8").architectures());
        assertEquals(List.of(), resolve(CAPS, "ppc64le", "6.8").architectures(), "no archMap entry: native only");
        assertEquals("seccomp: unknown architecture \"sparc\": use docker's names, such as amd64 or arm64",
            assertThrows(SeccompException.class, () -> resolve(CAPS, "sparc", "6.8")).getMessage());
    }

    @Test
    void capabilitiesIncludeAndExclude() throws SeccompException {
        Seccomp plain = resolve(CAPS, "amd64", "6.8");
        assertEquals(List.of(), rulesFor(plain, "mount"));
        assertEquals(List.of("SCMP_ACT_ALLOW/1"), rulesFor(plain, "clone"), "the namespace mask, nothing else");
        assertEquals(List.of("SCMP_ACT_ERRNO"), rulesFor(plain, "clone3"));
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(plain, "chroot"), "CAP_SYS_CHROOT is docker's");

        Seccomp admin = resolve(caps("CAP_SYS_ADMIN"), "amd64", "6.8");
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(admin, "mount"));
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(admin, "clone"), "the mask is excluded by CAP_SYS_ADMIN");
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(admin, "clone3"));
        assertEquals(rulesFor(admin, "mount"), rulesFor(resolve(caps("sys_admin"), "amd64", "6.8"), "mount"),
            "capability names are normalised");

        assertEquals(List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ALLOW"), rulesFor(resolve(caps("CAP_BPF", "CAP_SYS_ADMIN"),
            "amd64", "6.8"), "bpf"));
        assertEquals(List.of(), rulesFor(resolve(Set.of(), "amd64", "6.8"), "chroot"));
    }

    @Test
    void arches() throws SeccompException {
        Seccomp amd64 = resolve(CAPS, "amd64", "6.8");
        Seccomp arm64 = resolve(CAPS, "arm64", "6.8");
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(amd64, "arch_prctl"));
        assertEquals(List.of(), rulesFor(arm64, "arch_prctl"));
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(arm64, "set_tls"));
        assertEquals(List.of(), rulesFor(amd64, "set_tls"));
        assertEquals(List.of("SCMP_ACT_ALLOW/1"), rulesFor(resolve(CAPS, "s390x", "6.8"), "clone"),
            "s390's own clone rule, not the other");
        assertEquals(0, rulesFor(resolve(CAPS, "s390x", "6.8"), "clone").size() - 1);
    }

    @Test
    void minKernel() throws SeccompException {
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(resolve(CAPS, "amd64", "4.8.0"), "ptrace"));
        assertEquals(List.of("SCMP_ACT_ALLOW"), rulesFor(resolve(CAPS, "amd64", "6.18.44-fc-v657"), "ptrace"));
        assertEquals(List.of(), rulesFor(resolve(CAPS, "amd64", "4.4.0-210-generic"), "ptrace"));
        assertEquals(List.of(), rulesFor(resolve(CAPS, "amd64", "3.10"), "ptrace"));
        assertEquals(List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ALLOW"), rulesFor(resolve(caps("CAP_SYS_PTRACE"), "amd64", "5.4"),
            "ptrace"));
        assertEquals("seccomp: the kernel version \"linux\" does not start with MAJOR.MINOR, which the profile's "
            + "minKernel needs", assertThrows(SeccompException.class, () -> resolve(CAPS, "amd64", "linux")).getMessage());
        assertThrows(SeccompException.class, () -> resolve(CAPS, "amd64", null));
    }

    @Test
    void theDefaultIsDockersInEffect() throws SeccompException {
        DockerProfile p = SeccompProfiles.defaultProfile();
        assertEquals(SeccompAction.ERRNO, p.defaultAction());
        assertEquals(1, p.defaultErrnoRet());
        assertTrue(p == SeccompProfiles.defaultProfile(), "read once");
        Set<String> unconditional = new HashSet<>();
        for (Seccomp.Rule r : resolve(CAPS, "amd64", "6.8").syscalls()) {
            if (r.action() == SeccompAction.ALLOW && r.args().isEmpty()) {
                unconditional.addAll(r.names());
            }
        }
        for (String n : List.of("keyctl", "add_key", "request_key", "kexec_load", "mount", "umount2", "unshare",
            "setns", "pivot_root", "swapon", "swapoff", "init_module", "bpf", "perf_event_open", "userfaultfd",
            "open_by_handle_at", "clock_settime", "settimeofday", "reboot", "quotactl", "nfsservctl", "uselib",
            "lookup_dcookie", "vm86", "socket", "personality", "clone", "clone3", "kcmp", "syslog", "iopl")) {
            assertFalse(unconditional.contains(n), n);
        }
        for (String n : List.of("read", "close_range", "io_uring_enter", "futex_waitv", "mseal", "statmount",
            "setxattrat", "ptrace", "name_to_handle_at", "vmsplice", "memfd_secret", "landlock_restrict_self")) {
            assertTrue(unconditional.contains(n), n);
        }
        assertTrue(unconditional.size() > 360, unconditional.size() + " names");
    }

    @Test
    void dockerFormatErrors() {
        assertEquals("seccomp: syscalls[0] has both name and names: use names", assertThrows(SeccompException.class,
            () -> SeccompProfiles.parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"name\":\"read\","
                + "\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}")).getMessage());
        assertEquals("seccomp: the profile has both architectures and archMap: use one of them",
            assertThrows(SeccompException.class, () -> SeccompProfiles.parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                + "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}"))
                .getMessage());
        assertEquals("seccomp: the profile has no defaultAction and no syscalls: use --security-opt "
            + "seccomp=unconfined to run without a filter",
            assertThrows(SeccompException.class, () -> SeccompProfiles.parse("{}")).getMessage());
        assertEquals("seccomp: syscalls[0].includes.minKernel must be a string like \"4.8\"",
            assertThrows(SeccompException.class, () -> SeccompProfiles.parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                + "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4\"}}]}"))
                .getMessage());
        assertEquals("seccomp: archMap[0].architecture must be an SCMP_ARCH_* name",
            assertThrows(SeccompException.class, () -> SeccompProfiles.parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                + "\"archMap\":[{\"subArchitectures\":[]}]}")).getMessage());
        assertEquals("seccomp: the profile is not JSON: ", assertThrows(SeccompException.class,
            () -> SeccompProfiles.parse("{\"defaultAction\":")).getMessage().substring(0, 34));
    }

    @Test
    void aSmallDockerProfile() throws SeccompException {
        DockerProfile p = SeccompProfiles.parse("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\","
            + "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
            + "{\"name\":\"read\",\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"old style\"},"
            + "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"includes\":{\"caps\":[\"CAP_A\",\"CAP_B\"]}},"
            + "{\"names\":[\"umount2\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"5.10\"}}]}");
        Seccomp one = SeccompProfiles.resolve(p, Set.of("CAP_A"), "amd64", "5.4.0");
        assertEquals(List.of("SCMP_ARCH_X86_64"), one.architectures());
        assertEquals(Seccomp.FLAG_LOG, one.flags());
        assertEquals(2, one.syscalls().size(), "mount needs both capabilities");
        assertEquals(List.of("read"), one.syscalls().get(0).names());
        assertEquals(List.of("umount2"), one.syscalls().get(1).names());
        Seccomp both = SeccompProfiles.resolve(p, Set.of("CAP_A", "CAP_B"), "amd64", "5.10.1");
        assertEquals(2, both.syscalls().size(), "umount2 is excluded from 5.10 on");
        assertEquals(0x00050026, both.syscalls().get(1).ret());
    }
}
