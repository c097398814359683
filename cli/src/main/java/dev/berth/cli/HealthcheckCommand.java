package dev.berth.cli;

import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Health;
import dev.berth.engine.HealthConfig;
import dev.berth.engine.ContainerRequest;
import dev.berth.runtime.events.EventTimes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth healthcheck run CONTAINER} (podman's): runs the container's healthcheck once,
 * now, and counts it as a scheduled check would; exits 0 when the container is healthy, else
 * prints its status and exits 1. The container's monitor runs the scheduled checks as
 * {@code healthcheck run --monitor ID}, which prints the milliseconds until the next one instead.
 */
final class HealthcheckCommand {
    static final Flags RUN = new Flags("berth healthcheck run CONTAINER")
        .bool(null, "monitor", "The scheduled check (the container's monitor runs it): print the delay to the next one");

    private final Path root;

    HealthcheckCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        if (args.length == 0 || !args[0].equals("run")) {
            return ExitCodes.usage("Usage: berth healthcheck run CONTAINER\n\nRun the container's healthcheck now");
        }
        CommandLine cl = RUN.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ExitCodes.usage("\"berth healthcheck run\" requires exactly 1 argument: a container");
        }
        boolean scheduled = cl.hasOption("monitor");
        Engine engine = Engines.open(root);
        Health.Report r;
        try {
            r = engine.healthcheck(cl.getArgList().get(0), scheduled);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
        if (scheduled) { // read by the monitor (OP_REPEAT): the delay before it runs us again
            System.out.println(r.nextCheckMillis() < 0 ? "" : String.valueOf(r.nextCheckMillis()));
            return 0;
        }
        if (r.healthy()) {
            return 0;
        }
        System.out.println(r.status());
        return ExitCodes.FAILURE;
    }

    /** run and create's --health-* and --no-healthcheck, as docker's CLI turns them into Config.Healthcheck. */
    static Flags flags(Flags f) {
        return f.value(null, "health-cmd", "COMMAND", "Command to run to check health (run by /bin/sh -c)")
            .value(null, "health-interval", "DURATION", "Time between running the check (ms|s|m|h) (default 30s)")
            .value(null, "health-timeout", "DURATION", "Maximum time to allow one check to run (ms|s|m|h) (default 30s)")
            .value(null, "health-retries", "N", "Consecutive failures needed to report unhealthy (default 3)")
            .value(null, "health-start-period", "DURATION", "Start period for the container to initialize before"
                + " failures count (ms|s|m|h) (default 0s)")
            .value(null, "health-start-interval", "DURATION", "Time between running the check during the start"
                + " period (ms|s|m|h) (default 5s)")
            .bool(null, "no-healthcheck", "Disable any container-specified HEALTHCHECK");
    }

    /** Applies the flags to {@code req}; a usage error's message, or null. */
    static String apply(CommandLine cl, ContainerRequest req) {
        List<String> timing = List.of("health-interval", "health-timeout", "health-start-period",
            "health-start-interval", "health-retries");
        boolean any = cl.hasOption("health-cmd") && !cl.getOptionValue("health-cmd").isEmpty();
        for (String t : timing) {
            any |= cl.hasOption(t);
        }
        if (cl.hasOption("no-healthcheck")) {
            if (any) {
                return "--no-healthcheck conflicts with --health-* options";
            }
            req.healthcheck(HealthConfig.none());
            return null;
        }
        if (!any) {
            return null;
        }
        String cmd = cl.getOptionValue("health-cmd", "");
        HealthConfig h = cmd.isEmpty() ? HealthConfig.inherit() : HealthConfig.shell(cmd);
        long[] d = new long[4];
        for (int i = 0; i < 4; i++) {
            String v = cl.getOptionValue(timing.get(i));
            if (v == null) {
                continue;
            }
            d[i] = duration(v);
            if (d[i] == Long.MIN_VALUE) {
                return "invalid argument \"" + v + "\" for \"--" + timing.get(i) + "\" flag: give a duration"
                    + " like 500ms, 30s or 1m30s";
            }
            if (d[i] < 0) {
                return "--" + timing.get(i) + " cannot be negative";
            }
        }
        int retries = 0;
        if (cl.hasOption("health-retries")) {
            try {
                retries = Integer.parseInt(cl.getOptionValue("health-retries"));
            } catch (NumberFormatException e) {
                return "invalid argument \"" + cl.getOptionValue("health-retries") + "\" for \"--health-retries\""
                    + " flag: give a whole number";
            }
            if (retries < 0) {
                return "--health-retries cannot be negative";
            }
        }
        req.healthcheck(h.interval(d[0]).timeout(d[1]).startPeriod(d[2]).startInterval(d[3]).retries(retries));
        return null;
    }

    /** A Go duration in nanoseconds, negative ones included; Long.MIN_VALUE when it is none. */
    private static long duration(String v) {
        boolean negative = v.startsWith("-");
        String abs = negative || v.startsWith("+") ? v.substring(1) : v;
        long n = abs.equals("0") ? 0 : EventTimes.duration(abs);
        if (n < 0) {
            return Long.MIN_VALUE;
        }
        return negative ? -n : n;
    }
}
