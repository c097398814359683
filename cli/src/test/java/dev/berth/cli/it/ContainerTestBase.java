package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Every test gets its own state root, and must leave no mount, process or container behind. */
abstract class ContainerTestBase {
    Berth berth;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Host.isRoot(), "containers need root: run the tests as root (bin/test)");
        berth = new Berth();
    }

    @AfterEach
    void checkNothingLeft() throws Exception {
        if (berth == null) {
            return;
        }
        try {
            // whatever the test left running is removed by the CLI, as a user would
            for (String id : berth.ok("ps", "-a", "-q", "--no-trunc").split("\n")) {
                if (!id.isBlank()) {
                    berth.ok("rm", "-f", id.strip());
                }
            }
            assertEquals(List.of(), Host.mountsUnder(berth.root()), "mounts left on the host");
            // a monitor may still be exiting (the kernel tears a network namespace with a veth
            // down before its last process is gone): a leak is what is still there seconds later
            for (int i = 0; i < 100 && !Host.processesUnder(berth.root()).isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), Host.processesUnder(berth.root()), "processes left running");
            // helpers that run elsewhere but name the root: pasta, given a container's namespace file
            for (int i = 0; i < 100 && !Host.processesNaming(berth.root()).isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), Host.processesNaming(berth.root()), "helper processes left running");
            try (Stream<?> s = Files.list(berth.root().resolve("containers"))) {
                assertEquals(0, s.count(), "container directories left behind");
            }
        } finally {
            berth.close();
        }
    }

    String busybox() throws Exception {
        return Rootfs.busybox().toString();
    }
}
