package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.runtime.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** update's merge of a LinuxResources document into the saved config.json. */
class SavedConfigTest {
    @Test
    void fieldsMergeListsReplaceAndTheRestOfTheConfigStays() throws Exception {
        Map<String, Object> config = Json.parseObject("""
            {"ociVersion": "1.2.0", "process": {"args": ["sh"]},
             "linux": {"namespaces": [{"type": "pid"}],
                       "resources": {"devices": [{"allow": false, "access": "rwm"}],
                                     "memory": {"limit": 100, "swap": 200},
                                     "blockIO": {"weight": 10, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1}]}}}}
            """);
        Map<String, Object> merged = SavedConfig.mergeResources(config, Json.parseObject("""
            {"memory": {"limit": 300, "swap": null}, "pids": {"limit": 5},
             "blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 16, "rate": 2}]},
             "devices": [{"allow": true, "type": "c", "major": 1, "minor": 3}]}
            """));
        assertEquals(Json.compact(Json.parseObject("""
            {"ociVersion": "1.2.0", "process": {"args": ["sh"]},
             "linux": {"namespaces": [{"type": "pid"}],
                       "resources": {"devices": [{"allow": true, "type": "c", "major": 1, "minor": 3}],
                                     "memory": {"limit": 300, "swap": 200},
                                     "blockIO": {"weight": 10, "throttleReadBpsDevice": [{"major": 8, "minor": 16, "rate": 2}]},
                                     "pids": {"limit": 5}}}}
            """)), Json.compact(config));
        assertEquals(config.get("linux") instanceof Map<?, ?> l ? l.get("resources") : null, merged);
    }

    @Test
    void aConfigWithoutResourcesGetsThem() throws Exception {
        Map<String, Object> config = Json.parseObject("{\"ociVersion\": \"1.2.0\"}");
        SavedConfig.mergeResources(config, Json.parseObject("{\"pids\": {\"limit\": 5}}"));
        assertEquals("{\"ociVersion\":\"1.2.0\",\"linux\":{\"resources\":{\"pids\":{\"limit\":5}}}}", Json.compact(config));
    }
}
