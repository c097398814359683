package dev.berth.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A container document shaped like a real state.json (the fields berth writes). */
final class Documents {
    private Documents() {}

    static Map<String, Object> state(String id, String name, boolean running) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Id", id);
        s.put("Created", "2026-11-24T13:02:08.123456789Z");
        s.put("Path", "sleep");
        s.put("Args", new ArrayList<>(List.of("3600")));
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("Status", running ? "running" : "exited");
        st.put("Running", running);
        st.put("Paused", false);
        st.put("Restarting", false);
        st.put("OOMKilled", false);
        st.put("Dead", false);
        st.put("Pid", running ? 0 : 0);
        st.put("ExitCode", 0);
        st.put("Error", "");
        st.put("StartedAt", "2026-11-24T13:02:08.2Z");
        st.put("FinishedAt", running ? "0001-01-01T00:00:00Z" : "2026-11-24T13:03:08.2Z");
        st.put("MonitorPid", 0);
        st.put("MonitorStartTime", 0);
        s.put("State", st);
        s.put("Image", "host");
        s.put("ResolvConfPath", "/var/lib/berth/containers/" + id + "/resolv.conf");
        s.put("HostnamePath", "/var/lib/berth/containers/" + id + "/hostname");
        s.put("HostsPath", "/var/lib/berth/containers/" + id + "/hosts");
        s.put("LogPath", "/var/lib/berth/containers/" + id + "/container.log");
        s.put("Name", "/" + name);
        s.put("RestartCount", 0);
        s.put("Driver", "host");
        s.put("Platform", "linux");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("AutoRemove", false);
        host.put("Init", false);
        host.put("ReadonlyRootfs", false);
        host.put("NetworkMode", "none");
        host.put("PidMode", "");
        host.put("IpcMode", "private");
        host.put("UTSMode", "");
        host.put("CgroupnsMode", "private");
        host.put("UsernsMode", "");
        host.put("TimeMode", "");
        s.put("HostConfig", host);
        s.put("Mounts", new ArrayList<>());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", id.substring(0, 12));
        config.put("Domainname", "");
        config.put("User", "");
        config.put("Tty", false);
        config.put("OpenStdin", false);
        config.put("Env", new ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME=" + id.substring(0, 12), "HOME=/root")));
        config.put("Cmd", new ArrayList<>(List.of("sleep", "3600")));
        config.put("Image", "host");
        config.put("WorkingDir", "/");
        config.put("Labels", new LinkedHashMap<>());
        s.put("Config", config);
        return s;
    }

    static String id(int i) {
        StringBuilder sb = new StringBuilder(64);
        String seed = Integer.toHexString(0x10000000 + i);
        while (sb.length() < 64) {
            sb.append(seed);
        }
        return sb.substring(0, 64);
    }
}
