package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.berth.runtime.Timestamps;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciStateTest {
    private static final long CREATED = Timestamps.parse("2026-11-24T13:56:17.775844274Z");

    private static OciState state(OciState.Status status, int pid, Map<String, String> annotations) {
        return new OciState("1.2.1", "probe1", pid, status, "/tmp/oci-probe-bundle",
            "/tmp/oci-probe-bundle/rootfs", CREATED, "", annotations);
    }

    /** Byte for byte what runc 1.1.5 printed for `runc state` of a created container. */
    @Test
    void stateIsRuncs() {
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put("org.example.z", "2");
        ann.put("org.example.k", "v");
        assertEquals("""
            {
              "ociVersion": "1.2.1",
              "id": "probe1",
              "pid": 16258,
              "status": "created",
              "bundle": "/tmp/oci-probe-bundle",
              "rootfs": "/tmp/oci-probe-bundle/rootfs",
              "created": "2026-11-24T13:56:17.775844274Z",
              "annotations": {
                "org.example.k": "v",
                "org.example.z": "2"
              },
              "owner": ""
            }""", state(OciState.Status.CREATED, 16258, ann).json());
    }

    @Test
    void stoppedKeepsPidZeroAndNoAnnotationsMember() {
        assertEquals("""
            {
              "ociVersion": "1.2.1",
              "id": "probe1",
              "pid": 0,
              "status": "stopped",
              "bundle": "/tmp/oci-probe-bundle",
              "rootfs": "/tmp/oci-probe-bundle/rootfs",
              "created": "2026-11-24T13:56:17.775844274Z",
              "owner": ""
            }""", state(OciState.Status.STOPPED, 0, Map.of()).json());
    }

    /** What runc 1.1.5 wrote to a createRuntime hook's stdin, and to a poststop hook's. */
    @Test
    void hooksReadTheSpecsState() {
        OciState creating = state(OciState.Status.CREATING, 16258, Map.of("org.example.k", "v"));
        assertEquals("{\"ociVersion\":\"1.2.1\",\"id\":\"probe1\",\"status\":\"creating\",\"pid\":16258,"
            + "\"bundle\":\"/tmp/oci-probe-bundle\",\"annotations\":{\"org.example.k\":\"v\"}}", creating.hookJson());
        assertEquals("{\"ociVersion\":\"1.2.1\",\"id\":\"probe1\",\"status\":\"stopped\","
            + "\"bundle\":\"/tmp/oci-probe-bundle\",\"annotations\":{\"org.example.k\":\"v\"}}",
            creating.with(OciState.Status.STOPPED, 0).hookJson());
        assertEquals("{\"ociVersion\":\"1.2.1\",\"id\":\"probe1\",\"status\":\"running\",\"pid\":7,"
            + "\"bundle\":\"/tmp/oci-probe-bundle\"}", state(OciState.Status.RUNNING, 7, Map.of()).hookJson());
    }

    @Test
    void statusNames() {
        assertEquals(OciState.Status.PAUSED, OciState.Status.of("paused"));
        assertEquals("creating", OciState.Status.CREATING.text());
        assertNull(OciState.Status.of("Running"));
    }

    @Test
    void annotationKeysInGosOrder() {
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put("\uffff", "bmp");
        ann.put("\ud83d\ude00", "astral"); // U+1F600 sorts after U+FFFF in UTF-8, before it in UTF-16
        ann.put("B", "upper");
        ann.put("a", "lower");
        assertEquals("[B, a, \uffff, \ud83d\ude00]", state(OciState.Status.CREATED, 1, ann).annotations().keySet().toString());
    }
}
