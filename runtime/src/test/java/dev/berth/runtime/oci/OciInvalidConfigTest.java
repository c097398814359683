package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each row edits berth's default config (paths as in OciBundles.edit, a null value removes) and
 * names the exact message the reader must refuse it with; {bundle} stands for the bundle.
 */
class OciInvalidConfigTest {
    private static final String USERNS = "{\"type\": \"user\"}";
    private static final String MAP0 = "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]";
    private static final String RLIMITS = "use RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE,"
        + " RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING,"
        + " RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME";
    private static final String U64 = "must be an integer from 0 to 18446744073709551615, not ";

    @TempDir
    Path dir;

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String[] row : rows()) {
            out.add(Arguments.of((Object) row));
        }
        return out;
    }

    private static List<String[]> rows() {
        List<String[]> c = new ArrayList<>();
        // version
        c.add(row("ociVersion \"2.0.0\" is not a 1.x.y version (berth-runtime implements 1.2.1)", "ociVersion", "\"2.0.0\""));
        c.add(row("ociVersion \"1.0\" is not a 1.x.y version (berth-runtime implements 1.2.1)", "ociVersion", "\"1.0\""));
        c.add(row("ociVersion \"1.0.2-\" is not a 1.x.y version (berth-runtime implements 1.2.1)", "ociVersion", "\"1.0.2-\""));
        c.add(row("ociVersion is missing (set it to \"1.2.1\")", "ociVersion", null));
        c.add(row("ociVersion must be a string, not a number", "ociVersion", "1"));
        // root
        c.add(row("root is missing (set root.path to the root filesystem's directory)", "root", null));
        c.add(row("root.path is missing (name the root filesystem's directory)", "root.path", null));
        c.add(row("root.path \"{bundle}/nope\" does not exist", "root.path", "\"nope\""));
        c.add(row("root.path \"{bundle}/config.json\" is not a directory", "root.path", "\"./config.json\""));
        c.add(row("root.readonly must be true or false, not a string", "root.readonly", "\"yes\""));
        // process
        c.add(row("process must be an object, not an array", "process", "[]"));
        c.add(row("process.args is empty (name the program to run)", "process.args", "[]"));
        c.add(row("process.args[1] must be a string, not a number", "process.args", "[\"sh\", 1]"));
        c.add(row("process.args[0] contains a NUL character", "process.args", "[\"s\\u0000h\"]"));
        c.add(row("process.cwd is missing (use an absolute path such as \"/\")", "process.cwd", null));
        c.add(row("process.cwd \"tmp\" is not an absolute path", "process.cwd", "\"tmp\""));
        c.add(row("process.env[1] \"TERM\" is not of the form NAME=value", "process.env[1]", "\"TERM\""));
        c.add(row("process.env[0] \"=x\" is not of the form NAME=value", "process.env[0]", "\"=x\""));
        c.add(row("process.terminal must be true or false, not a string", "process.terminal", "\"yes\""));
        c.add(row("process.user.uid must be an integer from 0 to 4294967295, not 4294967296",
            "process.user.uid", "4294967296"));
        c.add(row("process.user.gid must be an integer from 0 to 4294967295, not -1", "process.user.gid", "-1"));
        c.add(row("process.user.additionalGids[0] must be an integer from 0 to 4294967295, not 1.5",
            "process.user.additionalGids", "[1.5]"));
        c.add(row("process.capabilities.effective[1] \"CAP_FOO\" is not a capability"
            + " (berth-runtime features lists the ones it knows)", "process.capabilities.effective[1]", "\"CAP_FOO\""));
        c.add(row("process.capabilities.bounding[0] \"cap_kill\" is not a capability"
            + " (berth-runtime features lists the ones it knows)", "process.capabilities.bounding[0]", "\"cap_kill\""));
        c.add(row("process.capabilities.ambient must be an array, not a string",
            "process.capabilities.ambient", "\"CAP_KILL\""));
        c.add(row("process.rlimits[0].type \"RLIMIT_FOO\" is not a resource limit (" + RLIMITS + ")",
            "process.rlimits[0].type", "\"RLIMIT_FOO\""));
        c.add(row("process.rlimits[1].type \"RLIMIT_NOFILE\" is given twice",
            "process.rlimits[+]", "{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1}"));
        c.add(row("process.rlimits[0].soft 2048 is above the hard limit 1024", "process.rlimits[0].soft", "2048"));
        c.add(row("process.rlimits[0].soft 18446744073709551615 is above the hard limit 1024",
            "process.rlimits[0].soft", "18446744073709551615"));
        c.add(row("process.rlimits[0].hard " + U64 + "-1", "process.rlimits[0].hard", "-1"));
        c.add(row("process.rlimits[0].hard " + U64 + "18446744073709551616",
            "process.rlimits[0].hard", "18446744073709551616"));
        c.add(row("process.rlimits[0].soft " + U64 + "1.5", "process.rlimits[0].soft", "1.5"));
        c.add(row("process.rlimits[0].soft is missing", "process.rlimits[0].soft", null));
        c.add(row("process.oomScoreAdj must be an integer from -1000 to 1000, not 1001", "process.oomScoreAdj", "1001"));
        c.add(row("process.ioPriority.class \"IOPRIO_CLASS_NONE\" is not an I/O priority class"
            + " (use IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)",
            "process.ioPriority", "{\"class\": \"IOPRIO_CLASS_NONE\"}"));
        c.add(row("process.ioPriority.class is missing", "process.ioPriority", "{\"priority\": 1}"));
        c.add(row("process.ioPriority.priority 8 is out of range (use 0 to 7)",
            "process.ioPriority", "{\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}"));
        c.add(row("process.scheduler.policy \"SCHED_FAST\" is not a scheduling policy (use SCHED_OTHER, SCHED_FIFO,"
            + " SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE)",
            "process.scheduler", "{\"policy\": \"SCHED_FAST\"}"));
        c.add(row("process.scheduler.nice 20 is out of range (use -20 to 19)",
            "process.scheduler", "{\"policy\": \"SCHED_OTHER\", \"nice\": 20}"));
        c.add(row("process.scheduler.priority is only for SCHED_FIFO and SCHED_RR",
            "process.scheduler", "{\"policy\": \"SCHED_BATCH\", \"priority\": 5}"));
        c.add(row("process.scheduler.deadline is only for SCHED_DEADLINE",
            "process.scheduler", "{\"policy\": \"SCHED_FIFO\", \"priority\": 5, \"deadline\": 10}"));
        c.add(row("process.scheduler.flags[1] \"SCHED_FLAG_FAST\" is not a scheduler flag (use SCHED_FLAG_RESET_ON_FORK,"
            + " SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS,"
            + " SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX)", "process.scheduler",
            "{\"policy\": \"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_RECLAIM\", \"SCHED_FLAG_FAST\"]}"));
        c.add(row("process.execCPUAffinity.initial \"0-a\" is not a CPU list such as \"0-3,7\"",
            "process.execCPUAffinity", "{\"initial\": \"0-a\"}"));
        c.add(row("process.execCPUAffinity.final \"3-1\" is not a CPU list such as \"0-3,7\"",
            "process.execCPUAffinity", "{\"initial\": \"0-3, 7\", \"final\": \"3-1\"}"));
        c.add(row("process.execCPUAffinity.final \"1,,2\" is not a CPU list such as \"0-3,7\"",
            "process.execCPUAffinity", "{\"final\": \"1,,2\"}"));
        // namespaces
        c.add(row("linux.namespaces[2].type \"foo\" is not a namespace type (use pid, network, mount, ipc, uts, user,"
            + " cgroup, time)", "linux.namespaces[2].type", "\"foo\""));
        c.add(row("linux.namespaces[2].type is missing", "linux.namespaces[2]", "{\"path\": \"/proc/self/ns/ipc\"}"));
        c.add(row("linux.namespaces[5].type \"pid\" is given twice", "linux.namespaces[+]", "{\"type\": \"pid\"}"));
        c.add(row("linux.namespaces[1].path \"netns\" is not an absolute path", "linux.namespaces[1].path", "\"netns\""));
        c.add(row("linux.namespaces[1].path \"/nonexistent/ns/net\" does not exist",
            "linux.namespaces[1].path", "\"/nonexistent/ns/net\""));
        c.add(row("linux.namespaces[1].path \"/proc/self/ns/ipc\" is a namespace of type ipc, not network",
            "linux.namespaces[1].path", "\"/proc/self/ns/ipc\""));
        c.add(row("linux.namespaces[0].path \"/proc/self/ns/mnt\" is a namespace of type mount, not pid",
            "linux.namespaces[0].path", "\"/proc/self/ns/mnt\""));
        c.add(row("linux.namespaces has no mount namespace (berth-runtime sets up the root filesystem in a new one:"
            + " add {\"type\": \"mount\"})", "linux.namespaces[4]", null));
        c.add(row("linux.namespaces has no mount namespace (berth-runtime sets up the root filesystem in a new one:"
            + " add {\"type\": \"mount\"})", "linux", null));
        c.add(row("linux.namespaces[4].path cannot join a mount namespace (berth-runtime sets up the root filesystem"
            + " in a new one: remove the path)", "linux.namespaces[4].path", "\"/proc/self/ns/mnt\""));
        // ids
        c.add(row("linux.uidMappings needs a user namespace (add {\"type\": \"user\"} to linux.namespaces)",
            "linux.uidMappings", MAP0));
        c.add(row("linux.gidMappings needs a user namespace (add {\"type\": \"user\"} to linux.namespaces)",
            "linux.gidMappings", MAP0));
        c.add(row("linux.uidMappings is missing (a new user namespace needs uid and gid mappings)",
            "linux.namespaces[+]", USERNS));
        c.add(row("linux.gidMappings is missing (a new user namespace needs uid and gid mappings)",
            "linux.namespaces[+]", USERNS, "linux.uidMappings", MAP0));
        c.add(row("linux.uidMappings does not map uid 0 (the new user namespace needs a root, as in runc)",
            "linux.namespaces[+]", USERNS, "linux.gidMappings", MAP0,
            "linux.uidMappings", "[{\"containerID\": 1, \"hostID\": 100000, \"size\": 10}]"));
        c.add(row("linux.gidMappings[1].size must be at least 1", "linux.namespaces[+]", USERNS,
            "linux.uidMappings", MAP0, "linux.gidMappings",
            "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}, {\"containerID\": 1, \"hostID\": 2, \"size\": 0}]"));
        c.add(row("linux.uidMappings[0].hostID is missing", "linux.uidMappings", "[{\"containerID\": 0, \"size\": 1}]"));
        c.add(row("process.user.uid 65536 is not mapped by linux.uidMappings", "linux.namespaces[+]", USERNS,
            "linux.uidMappings", MAP0, "linux.gidMappings", MAP0, "process.user.uid", "65536"));
        c.add(row("process.user.additionalGids[1] 70000 is not mapped by linux.gidMappings",
            "linux.namespaces[+]", USERNS, "linux.uidMappings", MAP0, "linux.gidMappings", MAP0,
            "process.user.additionalGids", "[5, 70000]"));
        c.add(row("linux.timeOffsets needs a time namespace (add {\"type\": \"time\"} to linux.namespaces)",
            "linux.timeOffsets", "{\"monotonic\": {\"secs\": 10}}"));
        c.add(row("linux.timeOffsets.realtime is not a clock a time namespace can offset (use boottime, monotonic)",
            "linux.namespaces[+]", "{\"type\": \"time\"}", "linux.timeOffsets", "{\"realtime\": {\"secs\": 10}}"));
        c.add(row("linux.timeOffsets.boottime.nanosecs must be below 1000000000 (put whole seconds in secs)",
            "linux.namespaces[+]", "{\"type\": \"time\"}",
            "linux.timeOffsets", "{\"boottime\": {\"nanosecs\": 1000000000}}"));
        c.add(row("linux.timeOffsets cannot change a joined time namespace (remove the offsets or"
            + " linux.namespaces[5].path)", "linux.namespaces[+]", "{\"type\": \"time\", \"path\": \"/proc/self/ns/time\"}",
            "linux.timeOffsets", "{\"boottime\": {\"secs\": 1}}"));
        c.add(row("linux.timeOffsets.boottime.secs must be an integer from -9223372036854775808 to"
            + " 9223372036854775807, not a string", "linux.timeOffsets", "{\"boottime\": {\"secs\": \"1\"}}"));
        // hostname
        c.add(row("hostname needs a uts namespace (add {\"type\": \"uts\"} to linux.namespaces)", "linux.namespaces[3]", null));
        c.add(row("domainname needs a uts namespace (add {\"type\": \"uts\"} to linux.namespaces)",
            "linux.namespaces[3]", null, "hostname", null, "domainname", "\"example.org\""));
        // mounts
        c.add(row("mounts[0].destination \"proc\" is not an absolute path", "mounts[0].destination", "\"proc\""));
        c.add(row("mounts[0].destination is missing", "mounts[0].destination", null));
        c.add(row("mounts[1].options must be an array, not a string", "mounts[1].options", "\"nosuid\""));
        c.add(row("mounts[1].source contains a NUL character", "mounts[1].source", "\"tm\\u0000pfs\""));
        c.add(row("mounts[2] has id mappings but is not a bind mount (add \"bind\" or \"rbind\" to its options)",
            "mounts[2].uidMappings", MAP0, "mounts[2].gidMappings", MAP0));
        c.add(row("mounts[2] option \"ridmap\" needs a bind mount (add \"bind\" or \"rbind\" to its options)",
            "mounts[2].options[+]", "\"ridmap\""));
        c.add(row("mounts[7].gidMappings is missing (an id-mapped mount needs uidMappings and gidMappings)",
            "mounts[+]", "{\"destination\": \"/data\", \"source\": \"/tmp\", \"options\": [\"rbind\"], \"uidMappings\": "
            + MAP0 + "}"));
        c.add(row("mounts[7] option \"idmap\" needs uidMappings and gidMappings or a user namespace to take them from",
            "mounts[+]", "{\"destination\": \"/data\", \"source\": \"/tmp\", \"options\": [\"bind\", \"idmap\"]}"));
        c.add(row("mounts[7] is an id-mapped mount, which berth-runtime does not support yet (remove its uidMappings,"
            + " gidMappings and idmap options)", "mounts[+]", "{\"destination\": \"/data\", \"source\": \"/tmp\","
            + " \"options\": [\"bind\"], \"uidMappings\": " + MAP0 + ", \"gidMappings\": " + MAP0 + "}"));
        // hooks
        c.add(row("hooks.prestart[0].path \"hook.sh\" is not an absolute path", "hooks.prestart", "[{\"path\": \"hook.sh\"}]"));
        c.add(row("hooks.poststop[1].timeout must be greater than zero", "hooks.poststop",
            "[{\"path\": \"/bin/true\"}, {\"path\": \"/bin/true\", \"timeout\": 0}]"));
        c.add(row("hooks.createRuntime[0].path is missing", "hooks.createRuntime", "[{\"args\": [\"x\"]}]"));
        c.add(row("hooks.poststart must be an array, not an object", "hooks.poststart", "{}"));
        // annotations
        c.add(row("annotations has an empty key", "annotations", "{\"\": \"x\"}"));
        c.add(row("annotations.k must be a string, not a number", "annotations", "{\"k\": 1}"));
        // the rest of linux
        c.add(row("linux.devices[0].type \"x\" is not a device type (use c, b, u, p)",
            "linux.devices", "[{\"type\": \"x\", \"path\": \"/dev/x\", \"major\": 1, \"minor\": 1}]"));
        c.add(row("linux.devices[0].path \"dev/fuse\" is not an absolute path",
            "linux.devices", "[{\"type\": \"c\", \"path\": \"dev/fuse\", \"major\": 10, \"minor\": 229}]"));
        c.add(row("linux.devices[0].minor is missing", "linux.devices", "[{\"type\": \"c\", \"path\": \"/dev/fuse\", \"major\": 10}]"));
        c.add(row("linux.devices[0].major must not be negative",
            "linux.devices", "[{\"type\": \"b\", \"path\": \"/dev/sda\", \"major\": -8, \"minor\": 0}]"));
        c.add(row("linux.rootfsPropagation \"rshared,private\" is not a propagation (use shared, slave, private,"
            + " unbindable, rshared, rslave, rprivate, runbindable)", "linux.rootfsPropagation", "\"rshared,private\""));
        c.add(row("linux.sysctl \"net.ipv4.ip_forward\" needs a network namespace (add {\"type\": \"network\"} to"
            + " linux.namespaces)", "linux.namespaces[1]", null, "linux.sysctl", "{\"net.ipv4.ip_forward\": \"1\"}"));
        c.add(row("linux.sysctl \"net/ipv4/conf/eno2.100/rp_filter\" needs a network namespace (add {\"type\":"
            + " \"network\"} to linux.namespaces)", "linux.namespaces[1]", null,
            "linux.sysctl", "{\"net/ipv4/conf/eno2.100/rp_filter\": \"1\"}"));
        c.add(row("linux.sysctl \"net.core.somaxconn\" would change the host: linux.namespaces[1].path is the runtime's"
            + " own network namespace", "linux.namespaces[1].path", "\"/proc/self/ns/net\"",
            "linux.sysctl", "{\"net.core.somaxconn\": \"256\"}"));
        c.add(row("linux.sysctl \"fs.mqueue.queues_max\" needs an ipc namespace (add {\"type\": \"ipc\"} to"
            + " linux.namespaces)", "linux.namespaces[2]", null, "linux.sysctl", "{\"fs.mqueue.queues_max\": \"64\"}"));
        c.add(row("linux.sysctl \"kernel/shmmax\" needs an ipc namespace (add {\"type\": \"ipc\"} to"
            + " linux.namespaces)", "linux.namespaces[2]", null, "linux.sysctl", "{\"kernel/shmmax\": \"1\"}"));
        c.add(row("linux.sysctl \"kernel.hostname\" conflicts with the hostname field (set hostname instead)",
            "linux.sysctl", "{\"kernel.domainname\": \"a\", \"kernel.hostname\": \"b\"}"));
        c.add(row("linux.sysctl \"vm.swappiness\" is not namespaced: it would change the host (remove it)",
            "linux.sysctl", "{\"vm.swappiness\": \"0\"}"));
        c.add(row("linux.sysctl \"kernel.domainname\" is not namespaced: it would change the host (remove it)",
            "linux.namespaces[3]", null, "hostname", null, "linux.sysctl", "{\"kernel.domainname\": \"a\"}"));
        c.add(row("linux.sysctl.vm.swappiness must be a string, not a number", "linux.sysctl", "{\"vm.swappiness\": 0}"));
        c.add(row("linux.maskedPaths[1] \"proc/kcore\" is not an absolute path", "linux.maskedPaths[1]", "\"proc/kcore\""));
        c.add(row("linux.readonlyPaths[0] \"\" is not an absolute path", "linux.readonlyPaths[0]", "\"\""));
        c.add(row("linux.personality.domain \"LINUX64\" is not a personality (use LINUX, LINUX32)",
            "linux.personality", "{\"domain\": \"LINUX64\"}"));
        c.add(row("linux.personality.domain is missing", "linux.personality", "{\"flags\": []}"));
        c.add(row("linux.resources must be an object, not an array", "linux.resources", "[]"));
        c.add(row("linux.seccomp must be an object, not a string", "linux.seccomp", "\"unconfined\""));
        // what berth does not support
        c.add(row("process.apparmorProfile is set but berth-runtime has no AppArmor support (remove it)",
            "process.apparmorProfile", "\"docker-default\""));
        c.add(row("process.selinuxLabel is set but berth-runtime has no SELinux support (remove it)",
            "process.selinuxLabel", "\"system_u:system_r:container_t:s0\""));
        c.add(row("linux.mountLabel is set but berth-runtime has no SELinux support (remove it)",
            "linux.mountLabel", "\"system_u:object_r:container_file_t:s0\""));
        c.add(row("linux.intelRdt is set but berth-runtime has no Intel RDT support (remove it)",
            "linux.intelRdt", "{\"closID\": \"guaranteed_group\"}"));
        c.add(row("linux.netDevices is set but berth-runtime cannot move network devices (remove it)",
            "linux.netDevices", "{\"eth1\": {\"name\": \"eth0\"}}"));
        return c;
    }

    private static String[] row(String expected, String... edits) {
        String[] r = new String[edits.length + 1];
        r[0] = expected;
        System.arraycopy(edits, 0, r, 1, edits.length);
        return r;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void refusedWithItsMessage(String[] row) throws IOException {
        String json = OciBundles.base();
        for (int i = 1; i < row.length; i += 2) {
            json = OciBundles.edit(json, row[i], row[i + 1]);
        }
        Path bundle = OciBundles.bundle(dir, json).toRealPath();
        OciSpecException e = assertThrows(OciSpecException.class, () -> OciSpecReader.read(bundle));
        assertEquals("config.json: " + row[0].replace("{bundle}", bundle.toString()), e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void theBaseOfTheTableIsValid() throws Exception {
        OciSpecReader.read(OciBundles.bundle(dir, OciBundles.base()));
    }

    @Test
    void documentLevelProblems() throws IOException {
        Path bundle = dir.toRealPath();
        OciSpecException missing = assertThrows(OciSpecException.class, () -> OciSpecReader.read(bundle));
        assertEquals("config.json: " + bundle + "/config.json does not exist (berth-runtime spec writes one)",
            missing.getMessage());

        Files.writeString(bundle.resolve("config.json"), "[]");
        assertEquals("config.json: must be a JSON object, not an array",
            assertThrows(OciSpecException.class, () -> OciSpecReader.read(bundle)).getMessage());

        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\": \"1.2.1\",}");
        String bad = assertThrows(OciSpecException.class, () -> OciSpecReader.read(bundle)).getMessage();
        assertTrue(bad.startsWith("config.json: invalid JSON: ") && bad.endsWith(" at offset 23"), bad);
        assertTrue(bad.indexOf('\n') < 0, bad);
    }

    @Test
    void processJsonErrorsNameTheirFile() {
        OciSpecException e = assertThrows(OciSpecException.class,
            () -> OciSpecReader.parseProcess("{\"args\": [\"sh\"], \"cwd\": \"x\"}", "process.json"));
        assertEquals("process.json: cwd \"x\" is not an absolute path", e.getMessage());
    }
}
