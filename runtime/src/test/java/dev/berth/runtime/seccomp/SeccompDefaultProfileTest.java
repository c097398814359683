package dev.berth.runtime.seccomp;

import static dev.berth.runtime.seccomp.SeccompVm.ALLOW;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_AARCH64;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_ARM;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_I386;
import static dev.berth.runtime.seccomp.SeccompVm.AUDIT_X86_64;
import static dev.berth.runtime.seccomp.SeccompVm.ENOSYS;
import static dev.berth.runtime.seccomp.SeccompVm.EPERM;
import static dev.berth.runtime.seccomp.SeccompVm.KILL_PROCESS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** berth's default profile, resolved as docker would and compiled, run on made-up syscalls. */
class SeccompDefaultProfileTest {
    /** docker's default bounding set. */
    static final Set<String> DOCKER_CAPS = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
        "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    static final long CLONE_NEWNS = 0x00020000;
    static final long CLONE_NEWUSER = 0x10000000;
    static final long CLONE_NEWNET = 0x40000000;
    /** What glibc's pthread_create passes: VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, ... */
    static final long THREAD_FLAGS = 0x3d0f00;
    static final int X32 = 0x40000000;

    static SeccompVm vm(Set<String> caps, String arch, String kernel) throws SeccompException {
        Seccomp s = SeccompProfiles.resolve(SeccompProfiles.defaultProfile(), caps, arch, kernel);
        SeccompArch nativeArch = arch.equals("arm64") ? SeccompArch.AARCH64 : SeccompArch.X86_64;
        return new SeccompVm(SeccompCompiler.compile(s, nativeArch));
    }

    static SeccompVm amd64(String... extraCaps) throws SeccompException {
        Set<String> caps = new HashSet<>(DOCKER_CAPS);
        caps.addAll(List.of(extraCaps));
        return vm(caps, "amd64", "6.8.0-31-generic");
    }

    static int nr(SeccompArch arch, String name) {
        int n = arch.syscall(name);
        assertTrue(n >= 0, name + " is in the " + arch + " table");
        return n;
    }

    static int x86_64(SeccompVm vm, String name, long... args) {
        return vm.run(AUDIT_X86_64, nr(SeccompArch.X86_64, name), args);
    }

    @Test
    void everydayCallsAreAllowed() throws SeccompException {
        SeccompVm vm = amd64();
        for (String name : List.of("read", "write", "openat", "close", "close_range", "execve", "exit_group",
            "mmap", "futex", "rt_sigaction", "epoll_wait", "getrandom", "statx", "io_uring_setup", "fchmodat2",
            "seccomp", "capset", "setgroups", "prctl", "arch_prctl", "modify_ldt")) {
            assertEquals(ALLOW, x86_64(vm, name), name);
        }
        assertEquals(ALLOW, x86_64(vm, "clone", THREAD_FLAGS));
        assertEquals(ALLOW, x86_64(vm, "clone", 0x11), "fork's clone(SIGCHLD)");
        assertEquals(ALLOW, x86_64(vm, "clone", 0xffffffff_00000011L), "high bits are not namespace flags");
        assertEquals(ALLOW, x86_64(vm, "socket", 2), "AF_INET");
        assertEquals(ALLOW, x86_64(vm, "socket", 1), "AF_UNIX");
        assertEquals(ALLOW, x86_64(vm, "socket", 45), "AF_MCTP");
    }

    @Test
    void privilegedCallsAreRefusedWithEperm() throws SeccompException {
        SeccompVm vm = amd64();
        for (String name : List.of("mount", "umount2", "pivot_root", "keyctl", "add_key", "request_key",
            "kexec_load", "kexec_file_load", "open_by_handle_at", "init_module", "finit_module", "swapon",
            "reboot", "settimeofday", "clock_settime", "setns", "bpf", "perf_event_open", "fsopen", "move_mount",
            "userfaultfd", "acct", "iopl", "mbind", "lsm_set_self_attr")) {
            assertEquals(EPERM, x86_64(vm, name), name);
        }
        assertEquals(EPERM, x86_64(vm, "unshare", CLONE_NEWUSER));
        assertEquals(EPERM, x86_64(vm, "unshare", 0), "unshare needs CAP_SYS_ADMIN whatever its flags");
        assertEquals(EPERM, x86_64(vm, "clone", CLONE_NEWNS | 0x11));
        assertEquals(EPERM, x86_64(vm, "clone", CLONE_NEWUSER | THREAD_FLAGS));
        assertEquals(EPERM, x86_64(vm, "clone", CLONE_NEWNET));
        assertEquals(ENOSYS, x86_64(vm, "clone3"), "glibc falls back to clone on ENOSYS");
    }

    @Test
    void vsockIsRefusedEvenWithHighBitsTheKernelDrops() throws SeccompException {
        SeccompVm vm = amd64();
        assertEquals(EPERM, x86_64(vm, "socket", 40));
        assertEquals(EPERM, x86_64(vm, "socket", 0x1_00000028L));
        assertEquals(EPERM, x86_64(vm, "socket", 0xffffffff_00000028L));
        assertEquals(EPERM, x86_64(vm, "socket", 0x1_00000002L), "no high bits at all, whatever the family");
    }

    @Test
    void personalityOnlyTheHarmlessOnes() throws SeccompException {
        SeccompVm vm = amd64();
        for (long p : new long[] {0, 8, 0x20000, 0x20008, 0xffffffffL}) {
            assertEquals(ALLOW, x86_64(vm, "personality", p), Long.toHexString(p));
        }
        for (long p : new long[] {0x0040000, 0x0400000, 0x0020008 | 0x0040000, 1, 0x1_00000000L, 0xffffffff_ffffffffL}) {
            assertEquals(EPERM, x86_64(vm, "personality", p), Long.toHexString(p));
        }
    }

    @Test
    void capabilitiesOpenTheirCalls() throws SeccompException {
        SeccompVm admin = amd64("CAP_SYS_ADMIN");
        assertEquals(ALLOW, x86_64(admin, "mount"));
        assertEquals(ALLOW, x86_64(admin, "umount2"));
        assertEquals(ALLOW, x86_64(admin, "unshare", CLONE_NEWUSER | CLONE_NEWNS));
        assertEquals(ALLOW, x86_64(admin, "clone", CLONE_NEWNS | 0x11));
        assertEquals(ALLOW, x86_64(admin, "clone3"));
        assertEquals(ALLOW, x86_64(admin, "setns"));
        assertEquals(ALLOW, x86_64(admin, "lsm_set_self_attr"));
        assertEquals(EPERM, x86_64(admin, "kexec_load"), "no capability opens kexec");
        assertEquals(EPERM, x86_64(admin, "keyctl"));

        assertEquals(ALLOW, x86_64(amd64("SYS_TIME"), "clock_settime"));
        assertEquals(ALLOW, x86_64(amd64("CAP_SYS_MODULE"), "finit_module"));
        assertEquals(ALLOW, x86_64(amd64("CAP_DAC_READ_SEARCH"), "open_by_handle_at"));
        assertEquals(ALLOW, x86_64(amd64("CAP_BPF"), "bpf"));
        assertEquals(ALLOW, x86_64(amd64("CAP_PERFMON"), "perf_event_open"));
        assertEquals(ALLOW, x86_64(amd64("CAP_SYS_NICE"), "mbind"));
        assertEquals(ALLOW, x86_64(amd64("CAP_SYS_BOOT"), "reboot"));
        assertEquals(ALLOW, x86_64(amd64("CAP_SYSLOG"), "syslog"));
        assertEquals(EPERM, x86_64(amd64(), "syslog"));
        assertEquals(ALLOW, x86_64(amd64(), "chroot"), "CAP_SYS_CHROOT is in docker's default set");
        assertEquals(EPERM, x86_64(vm(Set.of(), "amd64", "6.8"), "chroot"));
    }

    @Test
    void ptraceDependsOnTheKernelAndCapSysPtrace() throws SeccompException {
        SeccompVm old = vm(DOCKER_CAPS, "amd64", "4.4.0-210-generic");
        assertEquals(EPERM, x86_64(old, "ptrace"), "before 4.8 ptrace could bypass the filter");
        assertEquals(EPERM, x86_64(old, "process_vm_readv"));
        assertEquals(EPERM, x86_64(amd64(), "kcmp"));
        assertEquals(ALLOW, x86_64(amd64(), "ptrace"), "docker allows ptrace from 4.8 on");
        Set<String> caps = new HashSet<>(DOCKER_CAPS);
        caps.add("CAP_SYS_PTRACE");
        SeccompVm oldPtrace = vm(caps, "amd64", "4.4.0");
        assertEquals(ALLOW, x86_64(oldPtrace, "ptrace"));
        assertEquals(ALLOW, x86_64(oldPtrace, "kcmp"));
        assertEquals(ALLOW, x86_64(oldPtrace, "pidfd_getfd"));
    }

    @Test
    void numbersAboveTheProfileGetEnosysAndHolesEperm() throws SeccompException {
        SeccompVm vm = amd64();
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, 470));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, 1000));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, X32 - 1));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, 400), "a hole below the newest call the profile names");
        assertEquals(ENOSYS, x86_64(vm, "file_getattr"), "newer than every call the profile names");
        assertEquals(ENOSYS, x86_64(vm, "open_tree_attr"), "named only for CAP_SYS_ADMIN, as runc counts");
        assertEquals(ALLOW, x86_64(amd64("CAP_SYS_ADMIN"), "open_tree_attr"));
        assertEquals(ENOSYS, x86_64(amd64("CAP_SYS_ADMIN"), "file_getattr"));
    }

    @Test
    void x32CallsFollowX32Rules() throws SeccompException {
        SeccompVm vm = amd64();
        SeccompArch x = SeccompArch.X32;
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, nr(x, "read")));
        assertEquals(X32, nr(x, "read"));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, nr(x, "rt_sigaction")), "x32's own number, 512");
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, nr(x, "execve")));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, nr(x, "mount")));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, nr(x, "keyctl")));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, nr(x, "unshare"), CLONE_NEWUSER));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, nr(x, "clone"), CLONE_NEWNS));
        assertEquals(ALLOW, vm.run(AUDIT_X86_64, nr(x, "clone"), THREAD_FLAGS));
        assertEquals(EPERM, vm.run(AUDIT_X86_64, nr(x, "socket"), 0x1_00000028L), "x32 arguments are 64-bit");
        assertEquals(EPERM, vm.run(AUDIT_X86_64, X32 + 13), "x86_64's rt_sigaction number is not x32's");
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, X32 + 600));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, 0xffffffff), "-1: a tracer skipping the call");
    }

    @Test
    void i386CallsFollowI386Rules() throws SeccompException {
        SeccompVm vm = amd64();
        SeccompArch x = SeccompArch.X86;
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "read")));
        assertEquals(3, nr(x, "read"));
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "socketcall")));
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "mmap2")));
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "modify_ldt")));
        assertEquals(EPERM, vm.run(AUDIT_I386, nr(x, "mount")), "i386 mount is 21");
        assertEquals(ALLOW, vm.run(AUDIT_I386, 165), "x86_64's mount number is i386's getresuid");
        assertEquals(EPERM, vm.run(AUDIT_I386, nr(x, "clone"), CLONE_NEWUSER));
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "clone"), 0x11));
        assertEquals(EPERM, vm.run(AUDIT_I386, nr(x, "socket"), 40));
        assertEquals(ALLOW, vm.run(AUDIT_I386, nr(x, "personality"), 0xdead0000_00000008L),
            "an i386 argument is its low 32 bits");
        assertEquals(EPERM, vm.run(AUDIT_I386, nr(x, "personality"), 0x0040000));
    }

    @Test
    void otherArchitecturesAreKilled() throws SeccompException {
        SeccompVm vm = amd64();
        assertEquals(KILL_PROCESS, vm.run(AUDIT_AARCH64, 63));
        assertEquals(KILL_PROCESS, vm.run(AUDIT_ARM, 3));
        assertEquals(KILL_PROCESS, vm.run(0, 0));
    }

    @Test
    void arm64() throws SeccompException {
        SeccompVm vm = vm(DOCKER_CAPS, "arm64", "6.8.0");
        SeccompArch a = SeccompArch.AARCH64;
        assertEquals(ALLOW, vm.run(AUDIT_AARCH64, nr(a, "read")));
        assertEquals(63, nr(a, "read"));
        assertEquals(EPERM, vm.run(AUDIT_AARCH64, nr(a, "mount")));
        assertEquals(EPERM, vm.run(AUDIT_AARCH64, nr(a, "clone"), CLONE_NEWNS));
        assertEquals(ALLOW, vm.run(AUDIT_AARCH64, nr(a, "clone"), THREAD_FLAGS));
        assertEquals(EPERM, vm.run(AUDIT_AARCH64, nr(a, "socket"), 40));
        assertEquals(ENOSYS, vm.run(AUDIT_AARCH64, nr(a, "clone3")));
        assertEquals(KILL_PROCESS, vm.run(AUDIT_ARM, 3), "arm is named but berth has no arm table");
        assertEquals(KILL_PROCESS, vm.run(AUDIT_X86_64, 0));
    }

    @Test
    void withoutArchitecturesOnlyTheNativeOneRuns() throws SeccompException {
        Seccomp s = SeccompProfiles.resolve(SeccompProfiles.defaultProfile(), DOCKER_CAPS, "amd64", "6.8");
        Seccomp nativeOnly = new Seccomp(s.defaultAction(), s.defaultErrnoRet(), List.of(), s.flags(), s.syscalls());
        SeccompVm vm = new SeccompVm(SeccompCompiler.compile(nativeOnly, SeccompArch.X86_64));
        assertEquals(ALLOW, x86_64(vm, "read"));
        assertEquals(KILL_PROCESS, vm.run(AUDIT_I386, 3));
        assertEquals(KILL_PROCESS, vm.run(AUDIT_X86_64, X32), "x32 must not reach x86_64's rules");
        assertEquals(KILL_PROCESS, vm.run(AUDIT_X86_64, X32 + 165));
        assertEquals(ENOSYS, vm.run(AUDIT_X86_64, -1), "a tracer skipping a call is not x32");
    }

    @Test
    void theProgramIsSmallQuickAndStable() throws SeccompException {
        Seccomp s = SeccompProfiles.resolve(SeccompProfiles.defaultProfile(), DOCKER_CAPS, "amd64", "6.8");
        byte[] once = SeccompCompiler.compile(s, SeccompArch.X86_64);
        assertArrayEquals(once, SeccompCompiler.compile(s, SeccompArch.X86_64));
        assertArrayEquals(once, SeccompCompiler.compile(Seccomp.fromOci(s.toOci()), SeccompArch.X86_64),
            "config.json's copy compiles to the same bytes");
        SeccompVm vm = new SeccompVm(once);
        assertTrue(vm.length() < 1200, "default profile: " + vm.length() + " instructions");
        int worst = 0;
        for (int nr = 0; nr < 480; nr++) {
            vm.run(AUDIT_X86_64, nr, 0x123456);
            worst = Math.max(worst, vm.steps);
        }
        assertTrue(worst < 40, "at most " + worst + " instructions per x86_64 call");
        x86_64(vm, "read");
        assertTrue(vm.steps < 16, "read runs " + vm.steps + " instructions");
        System.out.println("default profile, amd64, docker's capabilities: " + vm.length()
            + " instructions, at most " + worst + " run per x86_64 call; with CAP_SYS_ADMIN: "
            + amd64("CAP_SYS_ADMIN").length() + "; arm64: " + vm(DOCKER_CAPS, "arm64", "6.8").length());
    }
}
