package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the kernel refuses comes back as one line naming the request, the subject and the errno. */
class RtnlErrorsTest {
    private static final Path NO_SUCH_NETNS = Path.of("/run/netns/berth-test-no-such-netns");

    private Netns ns;
    private Rtnl rtnl;

    @BeforeEach
    void namespace() throws Exception {
        ns = new Netns();
        rtnl = Rtnl.open(ns.path());
    }

    @AfterEach
    void removeIt() throws Exception {
        if (rtnl != null) {
            rtnl.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void aDuplicateNameIsEexistWithTheName() throws Exception {
        rtnl.links().addBridge("berth0", 0);
        NetlinkException e = assertThrows(NetlinkException.class, () -> rtnl.links().addBridge("berth0", 0));
        System.out.println(e.getMessage());
        assertEquals(Errno.EEXIST, e.errno());
        assertTrue(e.getMessage().startsWith("RTM_NEWLINK berth0: EEXIST (file exists)"), e.getMessage());
        assertEquals("RTM_NEWLINK", e.request());
        ns.ip("link", "show", "berth0");
    }

    @Test
    void aBridgeOfAnImpossibleMtuIsNotLeftBehind() throws Exception {
        NetlinkException e = assertThrows(NetlinkException.class, () -> rtnl.links().addBridge("berth0", 40));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("RTM_SETLINK berth0 mtu 40: EINVAL"), e.getMessage());
        ns.ipFails("link", "show", "berth0");
    }

    @Test
    void aMissingLinkIsEnodevWithTheName() throws Exception {
        NetlinkException up = assertThrows(NetlinkException.class, () -> rtnl.links().setUp("nosuch0"));
        System.out.println(up.getMessage());
        assertEquals(Errno.ENODEV, up.errno());
        assertTrue(up.getMessage().startsWith("RTM_SETLINK nosuch0 up: ENODEV (no such device)"), up.getMessage());

        NetlinkException rename = assertThrows(NetlinkException.class, () -> rtnl.links().rename("nosuch0", "eth0"));
        assertEquals(Errno.ENODEV, rename.errno());
        assertTrue(rename.getMessage().startsWith("RTM_GETLINK nosuch0: ENODEV"), rename.getMessage());

        NetlinkException addr = assertThrows(NetlinkException.class,
            () -> rtnl.addresses().add("nosuch0", InetAddress.getByName("10.1.0.1"), 24));
        assertEquals(Errno.ENODEV, addr.errno());
        assertTrue(addr.getMessage().contains("nosuch0"), addr.getMessage());

        NetlinkException delete = assertThrows(NetlinkException.class, () -> rtnl.links().delete("nosuch0"));
        assertEquals(Errno.ENODEV, delete.errno());
        assertTrue(rtnl.links().find("nosuch0").isEmpty());
    }

    @Test
    void aBadNamespacePathIsNamed() throws Exception {
        ErrnoException open = assertThrows(ErrnoException.class, () -> Rtnl.open(NO_SUCH_NETNS));
        System.out.println(open.getMessage());
        assertEquals(Errno.ENOENT, open.errno());
        assertTrue(open.getMessage().contains(NO_SUCH_NETNS.toString()), open.getMessage());

        ErrnoException veth = assertThrows(ErrnoException.class,
            () -> rtnl.links().addVeth("vb0", "vc0", NO_SUCH_NETNS));
        System.out.println(veth.getMessage());
        assertEquals(Errno.ENOENT, veth.errno());
        assertTrue(veth.getMessage().contains(NO_SUCH_NETNS.toString()), veth.getMessage());
        ns.ipFails("link", "show", "vb0");

        // a namespace file, but not of a network namespace: the kernel refuses the fd
        rtnl.links().addBridge("berth0", 0);
        Path uts = Path.of("/proc/self/ns/uts");
        NetlinkException move = assertThrows(NetlinkException.class, () -> rtnl.links().moveTo("berth0", uts));
        System.out.println(move.getMessage());
        assertEquals(Errno.EINVAL, move.errno());
        assertTrue(move.getMessage().startsWith("RTM_SETLINK berth0 netns /proc/self/ns/uts: EINVAL"), move.getMessage());
        ns.ip("link", "show", "berth0");
    }

    @Test
    void theKernelsExplanationComesAlong() throws Exception {
        NetlinkException e = assertThrows(NetlinkException.class,
            () -> rtnl.routes().addDefault(InetAddress.getByName("10.1.2.1")));
        System.out.println(e.getMessage());
        assertEquals(Errno.ENETUNREACH, e.errno());
        assertFalse(e.kernelMessage().isEmpty(), "no extended ack text");
        assertEquals("RTM_NEWROUTE default via 10.1.2.1: ENETUNREACH (network is unreachable): " + e.kernelMessage(),
            e.getMessage());
        assertFalse(ns.ip("-j", "route").contains("default"));
    }
}
