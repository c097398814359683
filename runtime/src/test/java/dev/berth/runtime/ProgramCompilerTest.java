package dev.berth.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.NsKind;
import dev.berth.runtime.stage.Program;
import dev.berth.runtime.stage.Protocol;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy half of container creation, checked without a kernel. */
class ProgramCompilerTest {
    private static ContainerConfig config(Map<NsKind, NamespaceMode> ns, IdMap uid) {
        ProcessSpec proc = new ProcessSpec(List.of("sh"), List.of("PATH=/bin"), "/", 0, 0, List.of(),
            false, false, false, 24, 80);
        return new ContainerConfig("id", Path.of("/state/c"), Path.of("/state/c/log"), new Rootfs.Host(),
            "h", ns, uid, uid, null, Map.of("hostname", Path.of("/state/c/hostname")), proc, List.of(), false);
    }

    private static List<Integer> ops(Program p) {
        return p.records().stream().map(Program.Record::op).toList();
    }

    @Test
    void privateNamespacesBecomeOneUnshareAndTheHostsAreLeftAlone() {
        Map<NsKind, NamespaceMode> ns = new EnumMap<>(NsKind.class);
        ns.put(NsKind.PID, NamespaceMode.PRIVATE);
        ns.put(NsKind.NET, NamespaceMode.PRIVATE);
        ns.put(NsKind.IPC, new NamespaceMode.Join(Path.of("/proc/9/ns/ipc")));
        Program p = ProgramCompiler.compileRun(config(ns, null));
        Program.Record unshare = p.records().stream().filter(r -> r.op() == Protocol.OP_NEW_NS).findFirst().orElseThrow();
        assertEquals(Integer.toUnsignedString(NsKind.PID.cloneFlag() | NsKind.NET.cloneFlag()), unshare.args().get(0));
        Program.Record join = p.records().stream().filter(r -> r.op() == Protocol.OP_JOIN_NS).findFirst().orElseThrow();
        assertEquals(List.of("ipc", "/proc/9/ns/ipc"), join.args());
        assertTrue(ops(p).contains(Protocol.OP_LINK_UP), "a private network needs lo up");
        assertFalse(ops(p).contains(Protocol.OP_HOSTNAME), "no hostname without a private UTS namespace");
    }

    @Test
    void rootfsIsPreparedBeforePivotAndTheProcessAfter() {
        Program p = ProgramCompiler.compileRun(config(Map.of(NsKind.MNT, NamespaceMode.PRIVATE), null));
        List<Integer> ops = ops(p);
        int pivot = ops.indexOf(Protocol.OP_PIVOT_ROOT);
        assertTrue(pivot > 0);
        assertTrue(ops.indexOf(Protocol.OP_SETUID) > pivot);
        assertEquals(Protocol.OP_EXEC, ops.get(ops.size() - 1));
        // the first mount makes everything private, so nothing propagates to the host
        Program.Record first = p.records().stream().filter(r -> r.op() == Protocol.OP_MOUNT).findFirst().orElseThrow();
        assertEquals("/", first.args().get(1));
    }

    @Test
    void userNamespaceGetsMapsAndBindsWhatItMayNotMount() {
        Map<NsKind, NamespaceMode> ns = new EnumMap<>(NsKind.class);
        ns.put(NsKind.USER, NamespaceMode.PRIVATE);
        ns.put(NsKind.MNT, NamespaceMode.PRIVATE);
        Program p = ProgramCompiler.compileRun(config(ns, new IdMap(0, 100000, 65536)));
        assertTrue(p.records().stream().anyMatch(r -> r.op() == Protocol.OP_UID_MAP
            && r.args().get(0).equals("0 100000 65536\n")));
        // the PID namespace is the host's: proc cannot be mounted, it is bound instead
        assertTrue(p.records().stream().noneMatch(r -> r.op() == Protocol.OP_MOUNT && "proc".equals(r.args().get(2))));
    }

    /**
     * Targets under the root go to the stage as container paths, flagged to be resolved inside
     * the root it opened (OP_ROOT): never joined to the root's host path here, where a {@code ..}
     * of the destination would have been normalized out of it.
     */
    @Test
    void targetsUnderTheRootAreContainerPathsThatTheStageResolvesInIt() {
        ProcessSpec proc = new ProcessSpec(List.of("sh"), List.of(), "/", 0, 0, List.of(), false, false, false, 24, 80);
        ContainerConfig c = new ContainerConfig("id", Path.of("/state/c"), Path.of("/state/c/log"),
            new Rootfs.Directory(Path.of("/images/r"), false), "h", Map.of(NsKind.MNT, NamespaceMode.PRIVATE), null,
            null, null, Map.of("hosts", Path.of("/state/c/hosts")), proc, List.of(), false,
            new ContainerOptions(false, Map.of(), List.of(MountSpec.bind("/src", "/../../etc/x", false, false)), List.of()));
        Program p = ProgramCompiler.compileRun(c);
        List<Program.Record> records = p.records();
        int root = ops(p).indexOf(Protocol.OP_ROOT);
        assertEquals(List.of("/images/r"), records.get(root).args());
        Program.Record bind = records.stream().filter(r -> r.op() == Protocol.OP_BIND
            && r.args().get(0).equals("/src")).findFirst().orElseThrow();
        assertEquals("/../../etc/x", bind.args().get(1), "the stage stops the .. at the root");
        assertEquals(Protocol.RF_IN_ROOT, bind.flags());
        assertTrue(records.indexOf(bind) > root);
        for (Program.Record r : records.subList(root + 1, ops(p).indexOf(Protocol.OP_PIVOT_ROOT))) {
            for (String a : r.args()) {
                assertFalse(a.startsWith("/images/r"), "a host path under the root: " + r);
            }
            if (r.op() == Protocol.OP_MKDIR || r.op() == Protocol.OP_TOUCH || r.op() == Protocol.OP_SYMLINK) {
                assertTrue((r.flags() & Protocol.RF_IN_ROOT) != 0, "not resolved in the root: " + r);
            }
        }
        assertEquals(List.of("/"), records.get(ops(p).indexOf(Protocol.OP_PIVOT_ROOT) + 1).args(),
            "after pivot_root the root is / again");
    }

    @Test
    void encodingIsLittleEndianRecordsOfNulTerminatedStrings() {
        byte[] b = new Program().add(Protocol.OP_CHDIR, "cd", "/tmp").encode();
        assertEquals(8 + 5, b.length);
        assertEquals(Protocol.OP_CHDIR, b[0]);
        assertEquals(5, b[4]);
        assertEquals(0, b[b.length - 1]);
    }
}
