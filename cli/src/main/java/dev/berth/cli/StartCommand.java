package dev.berth.cli;

import dev.berth.engine.Attachment;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth start [-a] [-i] CONTAINER...} and {@code berth attach CONTAINER}: a container
 * started (again) by this process is attached through the stage's pipes, a running one through
 * its monitor's control socket ({@link Engine#attach}).
 */
final class StartCommand {
    static final String DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";
    static final Flags START = new Flags("berth start [OPTIONS] CONTAINER...")
        .bool("a", "attach", "Attach to the output and give the container's exit code")
        .bool("i", "interactive", "Attach to the container's input (and output)")
        .value(null, "detach-keys", "KEYS", "Keys that detach a terminal and leave the container running"
            + " (default ctrl-p,ctrl-q)");
    static final Flags ATTACH = new Flags("berth attach [OPTIONS] CONTAINER")
        .bool(null, "no-stdin", "Do not attach the input")
        .value(null, "sig-proxy", "true|false", "Pass the signals berth receives on to the container (default true)")
        .value(null, "detach-keys", "KEYS", "Keys that detach a terminal and leave the container running"
            + " (default ctrl-p,ctrl-q)");

    private final Path root;

    StartCommand(Path root) {
        this.root = root;
    }

    int start(String[] args) throws ParseException, IOException {
        CommandLine cl = START.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> refs = cl.getArgList();
        if (refs.isEmpty()) {
            return ExitCodes.usage("\"berth start\" requires at least 1 argument: a container");
        }
        boolean attach = cl.hasOption("attach") || cl.hasOption("interactive");
        if (attach && refs.size() > 1) {
            return attachOne();
        }
        byte[] keys = Streams.detachKeys(cl.getOptionValue("detach-keys", DEFAULT_DETACH_KEYS));
        if (keys == null) {
            return ExitCodes.usage("invalid detach keys (" + cl.getOptionValue("detach-keys")
                + "): give keys like ctrl-p,ctrl-q or a,b");
        }
        Engine engine = Engines.open(root);
        if (attach) {
            return startAttached(engine, refs.get(0), cl.hasOption("interactive"), keys);
        }
        int code = 0;
        List<String> failed = new ArrayList<>();
        for (String ref : refs) {
            try {
                if (!Boolean.TRUE.equals(Json.map(engine.inspect(ref), "State").get("Running"))) {
                    engine.start(ref).detach();
                }
                System.out.println(ref);
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
                failed.add(ref);
            }
        }
        if (!failed.isEmpty()) {
            System.err.println("berth: failed to start containers: " + String.join(", ", failed));
        }
        return code;
    }

    private static int attachOne() {
        System.err.println("berth: you cannot start and attach multiple containers at once: give one");
        return ExitCodes.FAILURE;
    }

    /** docker start -a: a running container is attached to as it runs; the exit code is the container's. */
    private static int startAttached(Engine engine, String ref, boolean interactive, byte[] keys) throws IOException {
        Map<String, Object> s;
        Attachment a;
        try {
            s = engine.inspect(ref);
            boolean running = Boolean.TRUE.equals(Json.map(s, "State").get("Running"));
            a = running ? engine.attach(ref) : engine.start(ref);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        Map<String, Object> config = Json.map(s, "Config");
        boolean tty = Boolean.TRUE.equals(config.get("Tty"));
        boolean stdin = interactive && Boolean.TRUE.equals(config.get("OpenStdin"));
        // docker create -i makes StdinOnce: the container's input ends with ours
        return Streams.attach(a, stdin, tty, true, keys, true);
    }

    int attach(String[] args) throws ParseException, IOException {
        CommandLine cl = ATTACH.parse(proxyFlag(args));
        if (cl == null) {
            return 0;
        }
        List<String> refs = cl.getArgList();
        if (refs.size() != 1) {
            return ExitCodes.usage("\"berth attach\" requires exactly 1 argument: a container");
        }
        String proxy = cl.getOptionValue("sig-proxy", "true");
        if (!proxy.equals("true") && !proxy.equals("false")) {
            return ExitCodes.usage("invalid --sig-proxy \"" + proxy + "\": give true or false");
        }
        byte[] keys = Streams.detachKeys(cl.getOptionValue("detach-keys", DEFAULT_DETACH_KEYS));
        if (keys == null) {
            return ExitCodes.usage("invalid detach keys (" + cl.getOptionValue("detach-keys")
                + "): give keys like ctrl-p,ctrl-q or a,b");
        }
        Engine engine = Engines.open(root);
        Map<String, Object> s;
        Attachment a;
        try {
            s = engine.inspect(refs.get(0));
            a = engine.attach(refs.get(0));
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        Map<String, Object> config = Json.map(s, "Config");
        boolean tty = Boolean.TRUE.equals(config.get("Tty"));
        boolean stdin = !cl.hasOption("no-stdin") && Boolean.TRUE.equals(config.get("OpenStdin"));
        if (tty && stdin && !Terminal.isTerminal()) {
            a.detach();
            return ExitCodes.usage("the input device is not a TTY; use --no-stdin or attach from a terminal");
        }
        // a run -d -i container keeps its input open for the next client, as docker's StdinOnce false
        return Streams.attach(a, stdin, tty, false, keys, proxy.equals("true"));
    }

    /** {@code --sig-proxy} alone means true, as docker's boolean flag. */
    private static String[] proxyFlag(String[] args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i].equals("--sig-proxy") && (i + 1 >= out.length || !(out[i + 1].equals("true")
                || out[i + 1].equals("false")))) {
                out[i] = "--sig-proxy=true";
            }
        }
        return out;
    }
}
