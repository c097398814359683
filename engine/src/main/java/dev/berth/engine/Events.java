package dev.berth.engine;

import dev.berth.runtime.events.EventLog;
import dev.berth.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of containers, as docker logs them: the actor is the container's id, its
 * attributes the container's labels, {@code image} (the reference as given) and {@code name},
 * plus what the action adds ({@code exitCode}, {@code signal}, {@code execID}). {@code die} is
 * logged by the container's monitor (see {@link #dieRecord}), so it is there even when no berth
 * process watches the container end.
 */
final class Events {
    private Events() {}

    /** The attributes every event of this container carries. */
    static Map<String, String> attributes(Map<String, Object> state) {
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, Object> config = Json.map(state, "Config");
        Map<String, Object> labels = config == null ? null : Json.map(config, "Labels");
        if (labels != null) {
            labels.forEach((k, v) -> a.put(k, String.valueOf(v)));
        }
        a.put("image", Inspect.imageName(state));
        a.put("name", Inspect.name(state));
        return a;
    }

    static void container(Engine engine, Map<String, Object> state, String action) {
        container(engine, state, action, Map.of());
    }

    /** Several events of one container, in order, in one write to the log (a run's create and start). */
    static void container(Engine engine, Map<String, Object> state, List<String> actions) {
        engine.events().log("container", actions, (String) state.get("Id"), attributes(state));
    }

    static void container(Engine engine, Map<String, Object> state, String action, Map<String, String> extra) {
        Map<String, String> a = attributes(state);
        a.putAll(extra);
        engine.events().log("container", action, (String) state.get("Id"), a);
    }

    /** A network's event: docker's attributes are its name and type, and the container it concerns. */
    static void network(Engine engine, String id, String name, String action, String container) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("name", name);
        a.put("type", "bridge");
        if (container != null) {
            a.put("container", container);
        }
        engine.events().log("network", action, id, a);
    }

    /**
     * The arguments of the monitor's event record: the log, the die line, the oom line and the
     * file whose {@code oom_kill} counter tells an OOM kill ({@code memory.events} of a cgroup v2,
     * {@code memory.oom_control} of v1; empty without a cgroup).
     */
    static String[] dieRecord(Engine engine, Map<String, Object> state, List<String> cgroupProcs) {
        Map<String, String> a = attributes(state);
        String id = (String) state.get("Id");
        String oom = EventLog.template("container", "oom", id, a);
        a.put("exitCode", String.valueOf(EventLog.EXIT_CODE));
        String die = EventLog.template("container", "die", id, a);
        String counter = "";
        for (String procs : cgroupProcs) {
            java.nio.file.Path dir = java.nio.file.Path.of(procs).getParent();
            if (cgroupProcs.size() == 1) {
                counter = dir.resolve("memory.events").toString();
            } else if (dir.toString().contains("/memory/")) {
                counter = dir.resolve("memory.oom_control").toString();
            }
        }
        return new String[] {engine.events().file().toString(), die, oom, counter};
    }
}
