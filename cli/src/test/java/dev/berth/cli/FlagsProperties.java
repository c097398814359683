package dev.berth.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.engine.ContainerRequest;
import dev.berth.engine.EngineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * Hostile command lines (issue 10): any mix of a command's own flags (long, short, bundled,
 * with {@code =}), values of every shape (sizes, numbers past a long, negative, empty), and
 * words, given to the flag parser and to the resource flags' parsing that {@code run} and
 * {@code update} share. The result is a command line or a one-line {@link ParseException} or
 * {@link EngineException} (the CLI's usage error), never another exception, never a hang.
 */
class FlagsProperties {
    private static final List<Flags> COMMANDS = List.of(RunCommand.FLAGS, UpdateCommand.FLAGS, ExecCommand.FLAGS,
        InspectCommand.FLAGS, LogsCommand.FLAGS, LifecycleCommand.flags("stop"), LifecycleCommand.flags("rm"),
        ImagesCommand.FLAGS, CheckCommand.FLAGS);
    private static final String[] VALUES = {"", "-", "--", "=", "0", "-1", "1", "1.5", "1e9", "NaN", "Infinity",
        "-Infinity", "0x10", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "1k", "1K",
        "512m", "64M", "1g", "1t", "1p", "1kb", "1.5g", "-1m", "m", "k", ".5m", "1 m", "\u0000", "a=b", "80:80",
        "127.0.0.1::80", "65536:1", "h:1.2.3.4", "nofile=1:2", "none", "bridge", "host", "container:x",
        "{{.Name}}", "{{", "x".repeat(10000), "--help=x", "-it", "-dit", "-e", "-p"};

    @Property(tries = 5000)
    void anyCommandLineParsesOrIsAOneLineUsageError(@ForAll("seeds") long seed) {
        Random rnd = new Random(seed);
        Flags flags = COMMANDS.get(rnd.nextInt(COMMANDS.size()));
        List<String> words = flags.words();
        List<String> args = new ArrayList<>();
        for (int i = rnd.nextInt(12); i > 0; i--) {
            switch (rnd.nextInt(4)) {
                case 0, 1 -> args.add(words.get(rnd.nextInt(words.size())));
                case 2 -> args.add(VALUES[rnd.nextInt(VALUES.length)]);
                default -> args.add(words.get(rnd.nextInt(words.size())) + "=" + VALUES[rnd.nextInt(VALUES.length)]);
            }
        }
        String[] argv = args.toArray(String[]::new);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                CommandLine cl = flags.parse(argv);
                if (cl != null && (flags == RunCommand.FLAGS || flags == UpdateCommand.FLAGS)) {
                    Resources.apply(cl, ContainerRequest.image("x"));
                }
            } catch (ParseException | EngineException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "an error without a message: " + e);
                assertFalse(e.getMessage().contains("\n"), "an error of more than one line: " + e.getMessage());
            }
        }, "parsing " + args + " took over 2 s");
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }
}
