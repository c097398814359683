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

    @Test
    void encodingIsLittleEndianRecordsOfNulTerminatedStrings() {
        byte[] b = new Program().add(Protocol.OP_CHDIR, "cd", "/tmp").encode();
        assertEquals(8 + 5, b.length);
        assertEquals(Protocol.OP_CHDIR, b[0]);
        assertEquals(5, b[4]);
        assertEquals(0, b[b.length - 1]);
    }
}
