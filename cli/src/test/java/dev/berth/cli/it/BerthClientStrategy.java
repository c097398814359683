package dev.berth.cli.it;

import java.net.URI;
import java.nio.file.Path;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;

/**
 * Points Testcontainers at the test's berth daemon, ahead of its own strategies (found through
 * {@code META-INF/services}): one path per test JVM, a symlink the test re-points at each
 * test's socket, because Testcontainers keeps the client it found for the whole JVM.
 */
public final class BerthClientStrategy extends DockerClientProviderStrategy {
    static final Path SOCKET = Path.of("/tmp/berth-testcontainers-" + ProcessHandle.current().pid() + ".sock");

    @Override
    public String getDescription() {
        return "berth daemon of the test, at " + SOCKET;
    }

    @Override
    public TransportConfig getTransportConfig() {
        return TransportConfig.builder().dockerHost(URI.create("unix://" + SOCKET)).build();
    }

    @Override
    protected boolean isApplicable() {
        return java.nio.file.Files.exists(SOCKET);
    }

    @Override
    protected boolean isPersistable() {
        return false;
    }

    @Override
    protected int getPriority() {
        return Integer.MAX_VALUE;
    }
}
