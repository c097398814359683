package dev.berth.cli;

import dev.berth.engine.ContainerRequest;
import dev.berth.engine.EngineException;
import dev.berth.engine.Sizes;
import org.apache.commons.cli.CommandLine;

/** The resource flags shared by {@code run} and {@code update}. */
final class Resources {
    private Resources() {}

    static void apply(CommandLine cl, ContainerRequest req) throws EngineException {
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
