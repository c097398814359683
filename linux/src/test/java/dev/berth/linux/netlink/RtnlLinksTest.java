package dev.berth.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A veth pair made in one namespace, one end moved, renamed, changed and deleted in the other. */
class RtnlLinksTest extends TwoNamespaces {
    @Test
    void aMovedEndIsRenamedChangedAndDeletingItTakesBothEnds() throws Exception {
        try (Rtnl h = Rtnl.open(host.path()); Rtnl c = Rtnl.open(box.path())) {
            h.links().addVeth("vb0", "vc0", null);
            assertEquals("veth", h.links().get("vc0").kind());
            assertFalse(h.links().get("vc0").up());

            h.links().moveTo("vc0", box.path());
            host.ipFails("link", "show", "vc0");
            assertTrue(box.ip("-j", "link", "show", "vc0").contains("\"ifname\":\"vc0\""));
            assertTrue(h.links().find("vc0").isEmpty());

            c.links().rename("vc0", "eth0");
            c.links().setMac("eth0", "02:42:0a:58:00:02");
            c.links().setMtu("eth0", 1380);
            c.links().setUp("eth0");
            String eth0 = box.ip("-j", "link", "show", "eth0");
            assertTrue(eth0.contains("\"mtu\":1380"), eth0);
            assertTrue(eth0.contains("\"address\":\"02:42:0a:58:00:02\""), eth0);
            assertTrue(eth0.contains("\"UP\""), eth0);
            Link listed = c.links().get("eth0");
            assertEquals("02:42:0a:58:00:02", listed.mac());
            assertEquals(1380, listed.mtu());
            assertTrue(listed.up());
            boolean inList = false;
            for (Link l : c.links().list()) {
                inList |= l.equals(listed);
            }
            assertTrue(inList, "eth0 missing from " + c.links().list());

            c.links().setDown("eth0");
            assertFalse(box.ip("-j", "link", "show", "eth0").contains("\"UP\""));
            assertFalse(c.links().get("eth0").up());

            h.links().addBridge("berth0", 1450);
            h.links().setMaster("vb0", "berth0");
            assertTrue(host.ip("-j", "link", "show", "vb0").contains("\"master\":\"berth0\""));
            // the bridge keeps its MTU when a port of 1500 joins
            assertTrue(host.ip("-j", "link", "show", "berth0").contains("\"mtu\":1450"), host.ip("-j", "link"));
            h.links().setMaster("vb0", null);
            assertFalse(host.ip("-j", "link", "show", "vb0").contains("\"master\""));
            assertEquals(0, h.links().get("vb0").master());

            c.links().delete("eth0");
            box.ipFails("link", "show", "eth0");
            host.ipFails("link", "show", "vb0");
        }
    }
}
