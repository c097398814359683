package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.MountFlags;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How -v, --mount and the image's Volumes become volume mounts (no root, nothing made). */
class MountParserVolumeTest {
    @Test
    void dashVTellsVolumesAnonymousVolumesAndHostPathsApart() throws Exception {
        MountParser p = new MountParser();
        p.volume("data:/d");
        p.volume("/anon");
        p.volume("/ro-anon:ro");
        p.volume("cache:/c:ro,nocopy");
        p.volume("/tmp:/host");
        assertEquals(5, p.mounts.size());
        assertEquals(4, p.volumes.size());
        VolumeMounts.Wanted named = p.volumes.get(0);
        assertEquals("data", named.name());
        assertEquals("/d", named.target());
        assertEquals(0, named.index());
        assertNull(p.volumes.get(1).name());
        assertEquals("/anon", p.volumes.get(1).target());
        assertTrue(p.volumes.get(2).readOnly());
        assertTrue(p.volumes.get(3).readOnly() && p.volumes.get(3).nocopy());
        assertEquals("/tmp", p.mounts.get(4).source(), "a host path stays a bind");
        assertEquals("", p.mounts.get(0).source(), "a volume's source is filled in by the engine");
        assertTrue((p.mounts.get(3).flags() & MountFlags.RDONLY) != 0);
    }

    @Test
    void mountTypeVolumeAndTheImagesVolumes() throws Exception {
        MountParser p = new MountParser();
        p.mount("type=volume,dst=/x,volume-nocopy,volume-label=a=b");
        p.mount("src=vv,target=/y,readonly"); // docker's default type is volume
        p.imageVolumes(List.of("/x", "/z"));
        assertEquals(3, p.volumes.size());
        assertNull(p.volumes.get(0).name());
        assertTrue(p.volumes.get(0).nocopy());
        assertEquals("b", p.volumes.get(0).labels().get("a"));
        assertEquals("vv", p.volumes.get(1).name());
        assertTrue(p.volumes.get(1).readOnly());
        assertEquals("/z", p.volumes.get(2).target(), "/x is covered by a mount");
        assertNull(p.volumes.get(2).name());
    }

    @Test
    void badVolumeMountsAreInvalidArguments() {
        for (String v : List.of("bad!:/x", "./rel:/x", "v:relative", "v:/x:rslave", "/h:/c:nocopy", "a:/x:ro:extra")) {
            assertThrows(EngineException.InvalidArgument.class, () -> new MountParser().volume(v), v);
        }
        for (String m : List.of("type=volume,src=v", "type=volume,src=v,dst=/x,volume-driver=nfs",
            "type=volume,dst=/x,volume-opt=colour=red", "type=volume,src=x,dst=/x")) {
            assertThrows(EngineException.InvalidArgument.class, () -> new MountParser().mount(m), m);
        }
    }
}
