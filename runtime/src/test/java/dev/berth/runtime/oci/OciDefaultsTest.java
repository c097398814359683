package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciDefaultsTest {
    @TempDir
    Path dir;

    /**
     * Member for member and in order, what the installed runc writes, but for the differences
     * berth takes on purpose from runc 1.2: its own ociVersion, no ambient capabilities (older
     * runc lists them without inheritable ones, which the kernel refuses) and a cgroup
     * namespace on a cgroup v2 host (older runc never adds one; both are dropped here).
     */
    @Test
    void sameAsRuncSpec() throws Exception {
        assumeTrue(OciBundles.haveRunc(), "runc is not installed");
        for (boolean rootless : new boolean[] {false, true}) {
            Path d = Files.createDirectories(dir.resolve("r" + rootless));
            if (rootless) {
                OciBundles.runc(d, "spec", "--rootless");
            } else {
                OciBundles.runc(d, "spec");
            }
            String runcText = Files.readString(d.resolve("config.json"));
            Map<String, Object> runc = Json.parseObject(runcText);
            Map<String, Object> ours = Json.parseObject(Json.compact(OciDefaults.spec(rootless)));
            assertEquals(OciSpec.VERSION, ours.get("ociVersion"));
            for (Map<String, Object> doc : List.of(runc, ours)) {
                doc.remove("ociVersion");
                Json.map(Json.map(doc, "process"), "capabilities").remove("ambient");
                List<?> nss = (List<?>) Json.map(doc, "linux").get("namespaces");
                nss.removeIf(ns -> ((Map<?, ?>) ns).get("type").equals("cgroup"));
            }
            assertEquals(Json.pretty(runc), Json.pretty(ours), rootless ? "rootless" : "default");
            // and the text is laid out as runc's: tabs, no final newline
            assertEquals(runcText, OciJson.indent(Json.parseObject(runcText), "\t"));
        }
    }

    @Test
    void shapeWithoutRunc() {
        Map<String, Object> spec = OciDefaults.spec(false, 0, 0, true);
        assertEquals(List.of("ociVersion", "process", "root", "hostname", "mounts", "linux"),
            List.copyOf(spec.keySet()));
        Map<String, Object> linux = Json.map(spec, "linux");
        assertEquals(List.of("resources", "namespaces", "maskedPaths", "readonlyPaths"), List.copyOf(linux.keySet()));
        assertEquals("[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
            + "{\"type\":\"mount\"},{\"type\":\"cgroup\"}]", Json.compact(linux.get("namespaces")));
        assertFalse(Json.map(Json.map(spec, "process"), "capabilities").containsKey("ambient"));

        Map<String, Object> rl = OciDefaults.spec(true, 1000, 1001, true);
        Map<String, Object> rlinux = Json.map(rl, "linux");
        assertEquals(List.of("uidMappings", "gidMappings", "namespaces", "maskedPaths", "readonlyPaths"),
            List.copyOf(rlinux.keySet()));
        assertEquals("[{\"containerID\":0,\"hostID\":1001,\"size\":1}]", Json.compact(rlinux.get("gidMappings")));
        assertEquals("[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},"
            + "{\"type\":\"cgroup\"},{\"type\":\"user\"}]", Json.compact(rlinux.get("namespaces")));
        String text = OciDefaults.json(true);
        assertTrue(text.startsWith("{\n\t\"ociVersion\": \"" + OciSpec.VERSION + "\",\n\t\"process\": {\n\t\t\"terminal\""), text);
        assertFalse(text.endsWith("\n"));
        assertFalse(text.contains("gid=5")); // no group 5 in a one-id user namespace
    }

    @Test
    void effectiveIdsAreThisProcesss() throws Exception {
        long[] ids = OciDefaults.effectiveIds();
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assertEquals(((Number) uid).longValue(), ids[0]);
    }
}
