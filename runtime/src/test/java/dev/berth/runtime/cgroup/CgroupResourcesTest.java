package dev.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Resources#fromOci}: every field of runtime-spec 1.2 read, wrong types and ranges refused. */
class CgroupResourcesTest {
    static final String FULL = """
        {
          "devices": [
            {"allow": false, "access": "rwm"},
            {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
            {"allow": true, "type": "c", "major": 136, "access": "rw"}
          ],
          "memory": {"limit": 536870912, "reservation": 268435456, "swap": 1073741824,
                     "kernel": -1, "kernelTCP": 16777216, "swappiness": 18446744073709551615,
                     "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true},
          "cpu": {"shares": 1024, "quota": 50000, "burst": 10000, "period": 100000,
                  "realtimeRuntime": 950000, "realtimePeriod": 1000000,
                  "cpus": "0-1", "mems": "0", "idle": 0},
          "pids": {"limit": 64},
          "blockIO": {"weight": 500, "leafWeight": 300,
                      "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 200},
                                       {"major": 8, "minor": 16, "weight": 700}],
                      "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                      "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
                      "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                      "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 0}]},
          "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}, {"pageSize": "1GB", "limit": -1}],
          "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
          "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 1000}},
          "unified": {"memory.high": "402653184", "io.latency": "8:0 target=75"}
        }""";

    static Resources parse(String json) throws Exception {
        return Resources.fromOci(Json.parseObject(json));
    }

    @Test
    void readsEveryField() throws Exception {
        Resources r = parse(FULL);
        assertEquals(new Resources.Memory(536870912L, 268435456L, 1073741824L, -1L, 16777216L, -1L, false, true,
            true), r.memory());
        assertEquals(new Resources.Cpu(1024L, 50000L, 10000L, 100000L, 950000L, 1000000L, "0-1", "0", 0L), r.cpu());
        assertEquals(64L, r.pids().limit());
        assertEquals(500, r.blockIO().weight());
        assertEquals(300, r.blockIO().leafWeight());
        assertEquals(List.of(new Resources.WeightDevice(8, 0, 600, 200), new Resources.WeightDevice(8, 16, 700, null)),
            r.blockIO().weightDevice());
        assertEquals(List.of(new Resources.ThrottleDevice(8, 0, 0)), r.blockIO().throttleWriteIOPSDevice());
        assertEquals(List.of(new Resources.HugepageLimit("2MB", 209715200), new Resources.HugepageLimit("1GB", -1)),
            r.hugepageLimits());
        assertEquals(List.of(new Resources.DeviceRule(false, null, null, null, "rwm"),
            new Resources.DeviceRule(true, "c", 1L, 3L, "rwm"), new Resources.DeviceRule(true, "c", 136L, null, "rw")),
            r.devices());
        assertEquals(new Resources.Network(1048577L, List.of(new Resources.Priority("eth0", 500))), r.network());
        assertEquals(new Resources.Rdma(null, 1000L), r.rdma().get("mlx4_0"));
        assertEquals(List.of("memory.high", "io.latency"), List.copyOf(r.unified().keySet()));
    }

    @Test
    void absentAndNullAreTheSame() throws Exception {
        Resources r = parse("{\"memory\": {\"limit\": null}, \"cpu\": null}");
        assertNull(r.memory().limit());
        assertNull(r.cpu());
        assertNull(r.pids());
        assertSame(Resources.NONE, Resources.fromOci(null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"memory\": {\"limit\": \"1g\"}}|linux.resources.memory.limit must be an integer, not the string \"1g\"",
        "{\"memory\": {\"limit\": 1.5}}|linux.resources.memory.limit must be an integer, not the number 1.5",
        "{\"memory\": {\"limit\": 99999999999999999999}}|linux.resources.memory.limit is out of range",
        "{\"memory\": {\"limmit\": 1}}|unknown field linux.resources.memory.limmit",
        "{\"cpus\": {}}|unknown field linux.resources.cpus",
        "{\"cpu\": {\"cpus\": 3}}|linux.resources.cpu.cpus must be a string, not the number 3",
        "{\"memory\": {\"disableOOMKiller\": 1}}|linux.resources.memory.disableOOMKiller must be true or false",
        "{\"devices\": {}}|linux.resources.devices must be an array, not an object",
        "{\"devices\": [{\"type\": \"c\"}]}|linux.resources.devices[0].allow is required",
        "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"rate\": 1}]}}"
            + "|linux.resources.blockIO.throttleReadBpsDevice[0].minor is required",
        "{\"hugepageLimits\": [{\"limit\": 1}]}|linux.resources.hugepageLimits[0].pageSize is required",
        "{\"unified\": {\"memory.high\": 5}}|linux.resources.unified.memory.high must be a string",
    })
    void refusesWrongTypesNamingTheField(String json, String message) {
        CgroupException e = assertThrows(CgroupException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertTrue(e.getMessage().indexOf('\n') < 0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"memory\": {\"limit\": 1000, \"swap\": 500}}|linux.resources.memory.swap (500) is memory plus swap",
        "{\"memory\": {\"limit\": 0}}|linux.resources.memory.limit must be -1 (no limit) or positive",
        "{\"memory\": {\"swappiness\": 101}}|linux.resources.memory.swappiness must be between 0 and 100",
        "{\"cpu\": {\"quota\": 50000}}|linux.resources.cpu.quota needs cpu.period",
        "{\"cpu\": {\"quota\": 10, \"period\": 100000}}|linux.resources.cpu.quota must be -1 (no limit) or at least 1000",
        "{\"cpu\": {\"period\": 10}}|linux.resources.cpu.period must be between 1000 and 1000000",
        "{\"cpu\": {\"shares\": 1}}|linux.resources.cpu.shares must be between 2 and 262144",
        "{\"cpu\": {\"quota\": 5000, \"period\": 100000, \"burst\": 6000}}|linux.resources.cpu.burst (6000) must not exceed",
        "{\"cpu\": {\"cpus\": \"0-3;rm\"}}|linux.resources.cpu.cpus must be a list like 0-3,6",
        "{\"cpu\": {\"idle\": 2}}|linux.resources.cpu.idle must be 0 or 1",
        "{\"pids\": {\"limit\": -2}}|linux.resources.pids.limit must be -1 (no limit) or at least 0",
        "{\"blockIO\": {\"weight\": 5}}|linux.resources.blockIO.weight must be between 10 and 1000",
        "{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}|linux.resources.hugepageLimits: page size \"2M\"",
        "{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}|linux.resources.devices: type must be a, b or c",
        "{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}|linux.resources.devices: access must be some of r, w and m",
        "{\"unified\": {\"../memory.max\": \"1\"}}|linux.resources.unified: \"../memory.max\" is not a cgroup v2 file",
        "{\"unified\": {\"max\": \"1\"}}|linux.resources.unified: \"max\" is not a cgroup v2 file",
    })
    void refusesBadValues(String json, String message) {
        CgroupException e = assertThrows(CgroupException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void acceptsTheSpecialValues() throws Exception {
        Resources r = parse("{\"memory\": {\"limit\": -1, \"swap\": -1}, \"pids\": {\"limit\": 0},"
            + " \"cpu\": {\"quota\": -1, \"shares\": 0}}");
        assertEquals(-1L, r.memory().swap());
        assertEquals(0L, r.pids().limit());
        assertEquals(-1L, r.cpu().quota());
    }

    @Test
    void versionChecks() throws Exception {
        Resources unified = parse("{\"unified\": {\"memory.high\": \"1\"}}");
        CgroupException e = assertThrows(CgroupException.class, () -> Checks.v1(unified));
        assertTrue(e.getMessage().contains("unified needs cgroup v2"), e.getMessage());
        assertTrue(e.getMessage().contains("memory.high"), e.getMessage());
        Checks.v2(unified);
        Resources rt = parse("{\"cpu\": {\"realtimeRuntime\": 1000}}");
        Checks.v1(rt);
        e = assertThrows(CgroupException.class, () -> Checks.v2(rt));
        assertTrue(e.getMessage().contains("need cgroup v1"), e.getMessage());
        Checks.v2(Resources.fromOci(Map.of()));
    }
}
