package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.net.PublishedPort;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pasta's command line from --network pasta[:OPTIONS] and -p, and the options berth refuses. */
class PastaCommandTest {
    private static final Path BIN = Path.of("/usr/bin/pasta");
    private static final Path NS = Path.of("/c/ns/net");
    private static final Path PID = Path.of("/c/pasta.pid");

    private static String command(List<String> options, List<PublishedPort> ports, boolean rootless) {
        List<String> cmd = Pasta.command(BIN, new Pasta.Plan(options, ports), NS, PID, 42, rootless);
        return String.join(" ", cmd);
    }

    @Test
    void podmansDefaultsWithoutPorts() {
        assertEquals("/usr/bin/pasta --config-net -t none -u none -T none -U none --no-map-gw --dns-forward 169.254.0.1"
            + " --runas 0:0 --quiet -P /c/pasta.pid --netns /c/ns/net", command(List.of(), List.of(), false));
    }

    @Test
    void publishedPortsBecomeTcpAndUdpForwards() {
        String cmd = command(List.of(), List.of(new PublishedPort("c", "", 8080, 80, "tcp"),
            new PublishedPort("c", "127.0.0.1", 5353, 53, "udp"), new PublishedPort("c", "::1", 8443, 443, "tcp")), false);
        assertTrue(cmd.contains(" -t 8080:80 -u 127.0.0.1/5353:53 -t ::1/8443:443 -T none -U none "), cmd);
        assertFalse(cmd.contains("-t none") || cmd.contains("-u none"), cmd);
    }

    @Test
    void aUsersPastaJoinsTheContainersUserNamespaceAndKeepsItsUid() {
        String cmd = command(List.of(), List.of(), true);
        assertTrue(cmd.contains(" --userns /proc/42/ns/user "), cmd);
        assertFalse(cmd.contains("--runas"), cmd);
    }

    @Test
    void givenOptionsReplaceTheDefaultsTheyCover() {
        String cmd = command(List.of("-T", "5201", "--map-gw", "--dns-forward", "10.0.2.3", "--runas", "1000", "--mtu", "1500"),
            List.of(), false);
        assertEquals("/usr/bin/pasta --config-net -T 5201 --dns-forward 10.0.2.3 --runas 1000 --mtu 1500 -t none -u none"
            + " -U none --quiet -P /c/pasta.pid --netns /c/ns/net", cmd);
    }

    @Test
    void optionsAreCommaSeparatedAndThoseBerthSetsAreRefused() throws Exception {
        assertEquals(List.of(), Pasta.options("pasta"));
        assertEquals(List.of("--mtu", "1500", "-t", "auto"), Pasta.options("pasta:--mtu,1500,-t,auto"));
        for (String bad : List.of("pasta:--netns,/x", "pasta:-f", "pasta:--no-netns-quit", "pasta:-P,/tmp/p", "pasta:--mtu,,1")) {
            assertThrows(EngineException.InvalidArgument.class, () -> Pasta.options(bad), bad);
        }
        assertTrue(Pasta.isMode("pasta") && Pasta.isMode("pasta:--mtu,1500"));
        assertFalse(Pasta.isMode("pastanet") || Pasta.isMode("bridge") || Pasta.isMode(null));
    }
}
