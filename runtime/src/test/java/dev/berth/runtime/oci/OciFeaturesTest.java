package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciFeaturesTest {
    @TempDir
    Path dir;

    @Test
    void shape() throws Exception {
        Map<String, Object> doc = Json.parseObject(OciFeatures.json());
        assertEquals(List.of("ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux"),
            List.copyOf(doc.keySet()));
        assertEquals("1.0.0", doc.get("ociVersionMin"));
        assertEquals(OciSpec.VERSION, doc.get("ociVersionMax"));
        assertEquals(OciNames.HOOKS, doc.get("hooks"));
        assertEquals(MountOptions.known(), doc.get("mountOptions"));
        Map<String, Object> linux = Json.map(doc, "linux");
        assertEquals(List.of("namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt",
            "mountExtensions", "netDevices"), List.copyOf(linux.keySet()));
        assertEquals(List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"), linux.get("namespaces"));
        assertEquals(41, ((List<?>) linux.get("capabilities")).size());
        assertEquals("CAP_CHECKPOINT_RESTORE", ((List<?>) linux.get("capabilities")).get(40));
        assertEquals(Map.of("enabled", false), linux.get("apparmor"));
        assertEquals(Map.of("enabled", false), linux.get("selinux"));
        assertEquals(Map.of("enabled", false), linux.get("intelRdt"));
        assertEquals(Map.of("idmap", Map.of("enabled", false)), linux.get("mountExtensions"));
        assertEquals(List.of("enabled", "actions", "operators", "archs", "knownFlags", "supportedFlags"),
            List.copyOf(Json.map(linux, "seccomp").keySet()));
        assertTrue(OciFeatures.json().endsWith("}\n"));
    }

    /** Every namespace the features name, the reader takes; every capability, too. */
    @Test
    void advertisesWhatTheReaderAccepts() throws Exception {
        Map<String, Object> linux = Json.map(OciFeatures.document(), "linux");
        for (Object ns : (List<?>) linux.get("namespaces")) {
            assertTrue(OciNames.nsKind((String) ns) != null, (String) ns);
        }
        String json = OciBundles.edit(OciBundles.base(), "process.capabilities.bounding",
            Json.compact(linux.get("capabilities")));
        OciSpecReader.read(OciBundles.bundle(dir, json));
    }

    @Test
    void seccompLeftOutWhenDisabledAndAnnotationsSorted() {
        OciFeatures.Seccomp off = new OciFeatures.Seccomp(false, List.of(), List.of(), List.of(), List.of(), List.of());
        Map<String, Object> doc = OciFeatures.document(off, OciFeatures.ASSUMED_CGROUP,
            Map.of("z.version", "1", "a.commit", "abc"));
        assertFalse(Json.map(doc, "linux").containsKey("seccomp"));
        assertEquals(List.of("a.commit", "z.version"), List.copyOf(Json.map(doc, "annotations").keySet()));
    }

    /**
     * Against the installed runc: every member runc prints is here with the same JSON type
     * (runc's own annotations aside), the capability and hook lists are runc's, and every mount
     * option runc lists is known here except acl and noacl, which newer runc dropped as they
     * cannot work (MS_POSIXACL is for filesystems to set, runc#3738). And the text layout
     * matches runc's: four-space indents and a final newline.
     */
    @Test
    void coversRuncFeatures() throws Exception {
        assumeTrue(OciBundles.haveRunc(), "runc is not installed");
        String text = OciBundles.runc(dir, "features");
        Map<String, Object> runc = Json.parseObject(text);
        Map<String, Object> ours = OciFeatures.document();
        runc.remove("annotations");
        sameMembers(runc, ours, "");
        assertEquals(runc.get("hooks"), ours.get("hooks"));
        assertEquals(Json.map(runc, "linux").get("capabilities"), Json.map(ours, "linux").get("capabilities"));
        List<Object> options = new ArrayList<>((List<?>) runc.get("mountOptions"));
        options.remove("acl");
        options.remove("noacl");
        assertTrue(MountOptions.known().containsAll(options), options.toString());
        assertTrue(((List<?>) Json.map(ours, "linux").get("namespaces"))
            .containsAll((List<?>) Json.map(runc, "linux").get("namespaces")));
        assertEquals(text, OciJson.indent(Json.parseObject(text), "    ") + "\n");
    }

    private static void sameMembers(Map<String, Object> theirs, Map<String, Object> ours, String at) {
        for (Map.Entry<String, Object> e : theirs.entrySet()) {
            String path = at + e.getKey();
            assertTrue(ours.containsKey(e.getKey()), "missing " + path);
            Object mine = ours.get(e.getKey());
            assertEquals(OciParser.kind(e.getValue()), OciParser.kind(mine), path);
            if (e.getValue() instanceof Map<?, ?>) {
                @SuppressWarnings("unchecked")
                Map<String, Object> t = (Map<String, Object>) e.getValue();
                @SuppressWarnings("unchecked")
                Map<String, Object> o = (Map<String, Object>) mine;
                sameMembers(t, o, path + ".");
            }
        }
    }
}
