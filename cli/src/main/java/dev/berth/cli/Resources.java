package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.engine.ResourceLimits;
import dev.berth.engine.Sizes;
import org.apache.commons.cli.CommandLine;

/** The resource flags shared by {@code run} and {@code update}. */
final class Resources {
    private Resources() {}

    /** Adds the resource flags to {@code flags}. */
    static Flags flags(Flags flags) {
        return flags
            .value("m", "memory", "BYTES", "Memory limit, e.g. 512m")
            .value(null, "memory-swap", "BYTES", "Memory plus swap limit; -1 for unlimited swap")
            .value(null, "memory-reservation", "BYTES", "Memory soft limit")
            .value(null, "cpus", "NUMBER", "Number of CPUs' worth of time, e.g. 1.5")
            .value("c", "cpu-shares", "SHARES", "CPU shares (relative weight, default 1024)")
            .value(null, "cpuset-cpus", "CPUS", "CPUs the container may use, e.g. 0-2,4")
            .value(null, "cpuset-mems", "MEMS", "Memory nodes the container may use")
            .value(null, "pids-limit", "N", "Maximum number of processes; -1 for unlimited");
    }

    /** Sets each resource flag given on {@code req}; a value that does not parse is run's error. */
    static void apply(CommandLine cl, ResourceLimits req) throws EngineException {
        if (cl.hasOption("memory")) {
            req.memory(Sizes.bytes("--memory", cl.getOptionValue("memory")));
        }
        if (cl.hasOption("memory-swap")) {
            String v = cl.getOptionValue("memory-swap");
            req.memorySwap(v.equals("-1") ? -1 : Sizes.bytes("--memory-swap", v));
        }
        if (cl.hasOption("memory-reservation")) {
            req.memoryReservation(Sizes.bytes("--memory-reservation", cl.getOptionValue("memory-reservation")));
        }
        if (cl.hasOption("cpus")) {
            req.cpus(number(cl, "cpus"));
        }
        if (cl.hasOption("cpu-shares")) {
            req.cpuShares((long) number(cl, "cpu-shares"));
        }
        if (cl.hasOption("cpuset-cpus")) {
            req.cpusetCpus(cl.getOptionValue("cpuset-cpus"));
        }
        if (cl.hasOption("cpuset-mems")) {
            req.cpusetMems(cl.getOptionValue("cpuset-mems"));
        }
        if (cl.hasOption("pids-limit")) {
            req.pidsLimit((long) number(cl, "pids-limit"));
        }
    }

    private static double number(CommandLine cl, String opt) throws EngineException {
        String v = cl.getOptionValue(opt);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new EngineException.InvalidArgument("invalid value \"" + v + "\" for --" + opt + ": not a number");
        }
    }
}
