package dev.berth.runtime.oci;

import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR_NOATIME;
import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR_NODEV;
import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR_NOSUID;
import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR_RDONLY;
import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR_STRICTATIME;
import static dev.berth.runtime.oci.MountOptions.MOUNT_ATTR__ATIME;
import static dev.berth.runtime.oci.MountOptions.MS_BIND;
import static dev.berth.runtime.oci.MountOptions.MS_NODEV;
import static dev.berth.runtime.oci.MountOptions.MS_NOEXEC;
import static dev.berth.runtime.oci.MountOptions.MS_NOSUID;
import static dev.berth.runtime.oci.MountOptions.MS_PRIVATE;
import static dev.berth.runtime.oci.MountOptions.MS_RDONLY;
import static dev.berth.runtime.oci.MountOptions.MS_REC;
import static dev.berth.runtime.oci.MountOptions.MS_RELATIME;
import static dev.berth.runtime.oci.MountOptions.MS_SHARED;
import static dev.berth.runtime.oci.MountOptions.MS_SLAVE;
import static dev.berth.runtime.oci.MountOptions.MS_STRICTATIME;
import static dev.berth.runtime.oci.MountOptions.MS_UNBINDABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OciMountOptionsTest {
    private static MountOptions parse(String... options) {
        return MountOptions.parse(List.of(options));
    }

    @Test
    void runcsDefaultMountsSplitIntoFlagsAndData() {
        MountOptions dev = parse("nosuid", "strictatime", "mode=755", "size=65536k");
        assertEquals(MS_NOSUID | MS_STRICTATIME, dev.flags());
        assertEquals("mode=755,size=65536k", dev.data());
        MountOptions pts = parse("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        assertEquals(MS_NOSUID | MS_NOEXEC, pts.flags());
        assertEquals("newinstance,ptmxmode=0666,mode=0620,gid=5", pts.data());
        MountOptions cg = parse("nosuid", "noexec", "nodev", "relatime", "ro");
        assertEquals(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, cg.flags());
        assertEquals("", cg.data());
        assertFalse(cg.isBind());
    }

    @Test
    void laterOptionsOverrideEarlierOnes() {
        MountOptions o = parse("ro", "nosuid", "rw", "suid", "nosuid");
        assertEquals(MS_NOSUID, o.flags());
        assertEquals(MS_RDONLY, o.clearFlags());
        MountOptions back = parse("rw", "ro");
        assertEquals(MS_RDONLY, back.flags());
        assertEquals(0, back.clearFlags());
    }

    @Test
    void bindAndPropagation() {
        MountOptions o = parse("rbind", "ro", "rprivate", "slave", "unbindable");
        assertTrue(o.isBind());
        assertEquals(MS_BIND | MS_REC | MS_RDONLY, o.flags());
        assertEquals(List.of(MS_PRIVATE | MS_REC, MS_SLAVE, MS_UNBINDABLE), o.propagation());
        assertEquals(List.of(MS_SHARED | MS_REC), parse("rshared").propagation());
        assertTrue(parse("bind").isBind());
    }

    @Test
    void recursiveAttributes() {
        MountOptions o = parse("rbind", "rro", "rnosuid", "rnodev", "rdev");
        assertEquals(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, o.attrSet());
        assertEquals(MOUNT_ATTR_NODEV, o.attrClear());
        MountOptions rw = parse("rro", "rrw");
        assertEquals(0, rw.attrSet());
        assertEquals(MOUNT_ATTR_RDONLY, rw.attrClear());
        assertEquals(0, rw.flags()); // nothing for mount(2)
    }

    /** mount_setattr takes an atime mode only with the whole atime field in attr_clr. */
    @Test
    void atimeAttributesChangeTheWholeField() {
        MountOptions noatime = parse("rnoatime");
        assertEquals(MOUNT_ATTR_NOATIME, noatime.attrSet());
        assertEquals(MOUNT_ATTR__ATIME, noatime.attrClear());
        MountOptions strict = parse("rnoatime", "rstrictatime");
        assertEquals(MOUNT_ATTR_STRICTATIME, strict.attrSet());
        MountOptions relatime = parse("rnoatime", "rrelatime");
        assertEquals(0, relatime.attrSet());
        assertEquals(MOUNT_ATTR__ATIME, relatime.attrClear());
        MountOptions undo = parse("rstrictatime", "rnostrictatime");
        assertEquals(0, undo.attrSet()); // the default mode, relatime
        assertEquals(MOUNT_ATTR__ATIME, undo.attrClear());
        MountOptions ratime = parse("ratime");
        assertEquals(MOUNT_ATTR__ATIME, ratime.attrClear()); // runc would send 0x10 alone: EINVAL
        MountOptions none = parse("rnorelatime");
        assertEquals(0, none.attrSet());
        assertEquals(0, none.attrClear());
    }

    @Test
    void extensionsAndUnknownOptions() {
        MountOptions o = parse("tmpcopyup", "defaults", "acl", "mode=1777", "ridmap", "uid=5");
        assertTrue(o.tmpcopyup());
        assertTrue(o.idmap());
        assertTrue(o.idmapRecursive());
        assertEquals(0, o.flags()); // defaults is no flag, and no data either
        assertEquals("acl,mode=1777,uid=5", o.data());
        MountOptions idmap = parse("bind", "idmap");
        assertTrue(idmap.idmap());
        assertFalse(idmap.idmapRecursive());
        assertFalse(MountOptions.isKnown("mode=1777"));
        assertTrue(MountOptions.isKnown("rnosymfollow"));
    }

    @Test
    void knownOptionsAreSortedAndComplete() {
        List<String> known = MountOptions.known();
        List<String> sorted = new java.util.ArrayList<>(known);
        sorted.sort(null);
        assertEquals(sorted, known);
        assertEquals(62, known.size());
        for (String o : known) {
            assertTrue(MountOptions.isKnown(o), o);
            assertEquals("", MountOptions.parse(List.of(o)).data(), o); // none of them is data
        }
    }
}
