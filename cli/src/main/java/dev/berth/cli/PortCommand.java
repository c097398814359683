package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth port CONTAINER [PRIVATE_PORT[/PROTO]]}: the container's published ports, as docker port prints them. */
final class PortCommand {
    static final Flags FLAGS = new Flags("berth port CONTAINER [PRIVATE_PORT[/PROTO]]").interspersed();

    private final Path root;

    PortCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.isEmpty() || a.size() > 2) {
            return ExitCodes.usage("\"berth port\" requires a container and at most one private port (80 or 80/udp)");
        }
        String want = null;
        if (a.size() == 2) {
            want = a.get(1).indexOf('/') < 0 ? a.get(1) + "/tcp" : a.get(1);
            String port = want.substring(0, want.indexOf('/'));
            String proto = want.substring(want.indexOf('/') + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535
                || !(proto.equals("tcp") || proto.equals("udp") || proto.equals("sctp"))) {
                return ExitCodes.usage("invalid port " + a.get(1) + ": give a number from 1 to 65535, with /tcp or /udp");
            }
        }
        Map<String, Object> s;
        try {
            s = Engines.open(root).inspect(a.get(0));
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        Map<String, Object> settings = Json.map(s, "NetworkSettings");
        Map<String, Object> ports = settings == null ? null : Json.map(settings, "Ports");
        List<String> keys = new ArrayList<>(ports == null ? List.of() : ports.keySet());
        keys.sort((x, y) -> {
            int px = Integer.parseInt(x.substring(0, x.indexOf('/')));
            int py = Integer.parseInt(y.substring(0, y.indexOf('/')));
            return px != py ? Integer.compare(px, py) : x.compareTo(y);
        });
        StringBuilder out = new StringBuilder();
        for (String key : keys) {
            if (want != null && !want.equals(key)) {
                continue;
            }
            if (!(ports.get(key) instanceof List<?> bindings)) {
                continue;
            }
            for (Object b : bindings) {
                if (b instanceof Map<?, ?> m) {
                    String ip = String.valueOf(m.get("HostIp"));
                    ip = ip.isEmpty() ? "0.0.0.0" : ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
                    out.append(want == null ? key + " -> " : "").append(ip).append(':').append(m.get("HostPort"))
                        .append('\n');
                }
            }
        }
        if (want != null && out.isEmpty()) {
            System.err.println("berth: no public port '" + want + "' published for " + a.get(0)
                + "; see berth port " + a.get(0));
            return ExitCodes.FAILURE;
        }
        System.out.print(out);
        return 0;
    }
}
