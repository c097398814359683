package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docker-java, the JVM's Docker client (the one Testcontainers is built on), with its
 * dependency-free transport on berth daemon's unix socket: the same calls a Java program makes
 * against dockerd, answered by berth.
 */
class DockerJavaTest extends DaemonTestBase {
    private DockerClient client;

    @BeforeEach
    void connect() {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost("unix://" + socket).build();
        client = DockerClientImpl.getInstance(config,
            new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
    }

    @AfterEach
    void disconnect() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    /** What a container wrote, by stream, as docker-java demultiplexes it. */
    private static final class Output extends ResultCallback.Adapter<Frame> {
        final StringBuilder out = new StringBuilder();
        final StringBuilder err = new StringBuilder();

        @Override
        public void onNext(Frame f) {
            String s = new String(f.getPayload(), StandardCharsets.UTF_8);
            (f.getStreamType() == StreamType.STDERR ? err : out).append(s);
        }
    }

    @Test
    void versionAndInfo() {
        client.pingCmd().exec();
        assertEquals("1.51", client.versionCmd().exec().getApiVersion());
        assertEquals(berth.root().toString(), client.infoCmd().exec().getDockerRootDir());
    }

    @Test
    void runWaitAndLogsByStream() throws Exception {
        String id = client.createContainerCmd("host").withName("dj-run")
            .withCmd("sh", "-c", "echo out; echo err >&2; exit 3").exec().getId();
        client.startContainerCmd(id).exec();
        int code = client.waitContainerCmd(id).exec(new WaitContainerResultCallback())
            .awaitStatusCode(30, TimeUnit.SECONDS);
        assertEquals(3, code);
        Output o = client.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(new Output());
        assertTrue(o.awaitCompletion(30, TimeUnit.SECONDS));
        assertEquals("out\n", o.out.toString());
        assertEquals("err\n", o.err.toString());
        InspectContainerResponse inspect = client.inspectContainerCmd("dj-run").exec();
        assertEquals(id, inspect.getId());
        assertEquals(3L, inspect.getState().getExitCodeLong());
        assertFalse(inspect.getState().getRunning());
        // the daemonless CLI sees the same container
        assertEquals("3", berth.ok("inspect", "-f", "{{.State.ExitCode}}", "dj-run").strip());
        client.removeContainerCmd(id).exec();
        assertThrows(NotFoundException.class, () -> client.inspectContainerCmd(id).exec());
    }

    @Test
    void execIntoARunningContainer() throws Exception {
        String id = client.createContainerCmd("host").withHostName("inside").withLabels(Map.of("suite", "dj"))
            .withCmd("sleep", "300").exec().getId();
        client.startContainerCmd(id).exec();
        List<Container> listed = client.listContainersCmd().withLabelFilter(Map.of("suite", "dj")).exec();
        assertEquals(List.of(id), listed.stream().map(Container::getId).toList());
        String exec = client.execCreateCmd(id).withAttachStdout(true).withAttachStderr(true)
            .withCmd("sh", "-c", "hostname; exit 4").exec().getId();
        Output o = client.execStartCmd(exec).exec(new Output());
        assertTrue(o.awaitCompletion(30, TimeUnit.SECONDS));
        assertEquals("inside\n", o.out.toString());
        assertEquals(4L, client.inspectExecCmd(exec).exec().getExitCodeLong());
        // the pid docker-java reads is the container's, in a UTS namespace of its own
        long pid = client.inspectContainerCmd(id).exec().getState().getPidLong();
        assertFalse(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/uts"))
            .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/uts"))));
        client.stopContainerCmd(id).withTimeout(1).exec();
        assertFalse(client.inspectContainerCmd(id).exec().getState().getRunning());
        client.removeContainerCmd(id).exec();
    }

    @Test
    void attachSendsStdinAndReadsOutput() throws Exception {
        String id = client.createContainerCmd("host").withCmd("sh", "-c", "while read l; do echo \"got $l\"; done")
            .withStdinOpen(true).withAttachStdin(true).withAttachStdout(true).withAttachStderr(true).exec().getId();
        client.startContainerCmd(id).exec();
        Output o = new Output();
        // docker-java's transport never half-closes after stdin (with dockerd as with berth),
        // so the container is stopped once its answer is there, and that ends the stream
        client.attachContainerCmd(id).withStdIn(new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8)))
            .withStdOut(true).withStdErr(true).withFollowStream(true).exec(o);
        for (int i = 0; i < 300 && !o.out.toString().contains("\n"); i++) {
            Thread.sleep(50);
        }
        assertEquals("got hello\n", o.out.toString(), this::log);
        client.killContainerCmd(id).exec();
        assertTrue(o.awaitCompletion(30, TimeUnit.SECONDS), "the attach stream did not end with the container");
        assertEquals(137, client.waitContainerCmd(id).exec(new WaitContainerResultCallback())
            .awaitStatusCode(30, TimeUnit.SECONDS));
        client.removeContainerCmd(id).exec();
    }

    @Test
    void attachWithLogsReplaysWhatTheContainerPrinted() throws Exception {
        String id = client.createContainerCmd("host").withCmd("sh", "-c", "echo early; echo warned >&2")
            .withAttachStdout(true).withAttachStderr(true).exec().getId();
        client.startContainerCmd(id).exec();
        assertEquals(0, client.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode(30, TimeUnit.SECONDS));
        // withLogs without withFollowStream: the log, then the end of the stream (dockerd's logs=1&stream=0)
        Output o = client.attachContainerCmd(id).withStdOut(true).withStdErr(true).withLogs(true).exec(new Output());
        try {
            assertTrue(o.awaitCompletion(30, TimeUnit.SECONDS), "the attach stream did not end after the log");
        } catch (RuntimeException e) {
            throw new AssertionError(log(), e);
        }
        assertEquals("early\n", o.out.toString(), this::log);
        assertEquals("warned\n", o.err.toString());
        client.removeContainerCmd(id).exec();
    }

    @Test
    void errorsAreDockersExceptions() {
        assertThrows(NotFoundException.class, () -> client.inspectContainerCmd("no-such").exec());
        assertThrows(NotFoundException.class, () -> client.createContainerCmd("no-such-image:1").exec());
    }
}
