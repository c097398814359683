package dev.berth.linux.netlink;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Two network namespaces of the test's own, "host" and "box", removed after each test. */
abstract class TwoNamespaces {
    Netns host;
    Netns box;

    @BeforeEach
    void namespaces() throws Exception {
        host = new Netns();
        box = new Netns();
    }

    @AfterEach
    void removeThem() throws Exception {
        if (box != null) {
            box.close();
        }
        if (host != null) {
            host.close();
        }
    }
}
