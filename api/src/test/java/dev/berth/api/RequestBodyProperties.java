package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.berth.runtime.json.HostileJson;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile request bodies (issue 10): whoever reaches the daemon's socket sends what it likes.
 * The JSON parser must take any bytes to a value or a one-line {@link JsonException}; a
 * {@code POST /containers/create} body (docker's Config and HostConfig, every field berth
 * reads, with values replaced by others of any type or extremes) must map to a request or a
 * one-line {@link BadRequest} (a 400), never another exception (a 500), and neither may hang.
 */
class RequestBodyProperties {
    private static final String BASE = """
        {"Image":"busybox","Cmd":["sh","-c","true"],"Entrypoint":["/bin/sh"],"Env":["A=1","B"],"Hostname":"h",
         "User":"1:1","WorkingDir":"/w","Tty":true,"OpenStdin":false,"Labels":{"a":"b"},"StopSignal":"SIGTERM",
         "ExposedPorts":{"80/tcp":{}},
         "HostConfig":{"AutoRemove":true,"Privileged":false,"ReadonlyRootfs":false,"Init":false,
          "PublishAllPorts":false,"RestartPolicy":{"Name":"no"},"Binds":["/a:/b:ro"],"Memory":67108864,
          "MemorySwap":-1,"MemoryReservation":0,"NanoCpus":500000000,"CpuShares":512,"CpusetCpus":"0",
          "CpusetMems":"","PidsLimit":10,"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},
          "Mounts":[{"Type":"bind","Source":"/a","Target":"/m","ReadOnly":true,"BindOptions":{"Propagation":"rprivate"}},
           {"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1000,"Mode":448}}],
          "Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/n","CgroupPermissions":"rwm"}],
          "Ulimits":[{"Name":"nofile","Soft":10,"Hard":20}],"Sysctls":{"net.ipv4.ip_forward":"1"},
          "CapAdd":["NET_ADMIN"],"CapDrop":["MKNOD"],"SecurityOpt":["no-new-privileges"],"Dns":["192.0.2.1"],
          "DnsSearch":["example"],"DnsOptions":["ndots:1"],"ExtraHosts":["h:192.0.2.2"],"NetworkMode":"none",
          "Tmpfs":{"/x":"size=1m"},"ConsoleSize":[24,80]}}""";

    @Example
    void theUnchangedBodyMaps() throws Exception {
        // else every changed one would be refused for a reason of the test's own
        CreateBody.map(Json.parseObject(BASE), "/n");
    }

    @Property(tries = 3000)
    void aCreateBodyWithAnyValueChangedMapsOrIsABadRequest(@ForAll("seeds") long seed) throws Exception {
        Random rnd = new Random(seed);
        Object doc = Json.parse(BASE);
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            doc = HOSTILE.replaceSomewhere(doc, rnd);
        }
        if (!(doc instanceof Map)) {
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) doc;
        String name = rnd.nextBoolean() ? null : String.valueOf(HOSTILE.hostile(rnd));
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                CreateBody.map(body, name);
            } catch (BadRequest e) {
                HostileJson.assertOneLine(e.getMessage());
            }
        }, "mapping a create body took over 2 s");
    }

    @Property(tries = 3000)
    void anyBytesParseOrAreRefusedInOneLine(@ForAll("bodies") byte[] body) {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                Json.parse(new String(body, StandardCharsets.UTF_8));
            } catch (JsonException e) {
                HostileJson.assertOneLine(e.getMessage());
            }
        }, "parsing a body took over 2 s");
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    /** Random bytes; JSON-ish text; the base body damaged; nesting far past any limit. */
    @Provide
    Arbitrary<byte[]> bodies() {
        byte[] base = BASE.getBytes(StandardCharsets.UTF_8);
        return Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
            Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+tfnrul \\u").ofMaxLength(300)
                .map(s -> s.getBytes(StandardCharsets.UTF_8)),
            Arbitraries.longs().map(seed -> {
                Random rnd = new Random(seed);
                byte[] b = Arrays.copyOf(base, rnd.nextInt(base.length + 1));
                for (int i = rnd.nextInt(6); i > 0 && b.length > 0; i--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                return b;
            }),
            Arbitraries.integers().between(1, 100_000).map(n -> ("[".repeat(n) + "]".repeat(n % 3 == 0 ? n : 0))
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static final Object[] EXTREMES = {null, true, false, 0L, -1L, 1L << 31, -(1L << 31), Long.MAX_VALUE,
        Long.MIN_VALUE, 1e308, -0.5, 1.5, Double.MIN_VALUE, "", "/", "..", "../../etc", "\u0000", "a\nb",
        "x".repeat(5000), "-1", "18446744073709551616", "0x10", ":", "::", "a=b=c", "80/tcp", "99999/udp", "1-2",
        "/dev/../dev/mem", "rwm", "nofile=1:2", "size=-1", "none", "host", "container:x", "bridge", "SIGKILL"};
    private static final HostileJson HOSTILE = new HostileJson(EXTREMES);
}
