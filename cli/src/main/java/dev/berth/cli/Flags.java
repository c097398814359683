package dev.berth.cli;

import java.io.PrintWriter;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** A thin layer over commons-cli with docker's conventions: flags stop at the first argument. */
final class Flags {
    private final Options options = new Options();
    private final String usage;
    private boolean interspersed;
    private String footer = "";

    Flags(String usage) {
        this.usage = usage;
        options.addOption(Option.builder().longOpt("help").desc("Print usage").get());
    }

    Flags bool(String shortName, String longName, String desc) {
        options.addOption(builder(shortName, longName).desc(desc).get());
        return this;
    }

    /** A flag with a value; repeat it to give several ({@code -e A=1 -e B=2}). */
    Flags value(String shortName, String longName, String arg, String desc) {
        options.addOption(builder(shortName, longName).hasArg().argName(arg).desc(desc).get());
        return this;
    }

    private static Option.Builder builder(String shortName, String longName) {
        return (shortName == null ? Option.builder() : Option.builder(shortName)).longOpt(longName);
    }

    /** Text printed after the flags by --help: what it does, and examples. */
    Flags footer(String text) {
        footer = "\n" + text.stripTrailing();
        return this;
    }

    /** Every flag as typed: {@code --long} and {@code -s}, for shell completion. */
    java.util.List<String> words() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Option o : options.getOptions()) {
            if (o.getLongOpt() != null) {
                out.add("--" + o.getLongOpt());
            }
            if (o.getOpt() != null) {
                out.add("-" + o.getOpt());
            }
        }
        return out;
    }

    /**
     * Flags may also follow the arguments ({@code inspect NAME -f X}), for commands whose
     * arguments are names, never a command line of their own to pass on.
     */
    Flags interspersed() {
        interspersed = true;
        return this;
    }

    /** Parses; returns null after printing help when --help was given. */
    CommandLine parse(String[] args) throws ParseException {
        CommandLine cl = DefaultParser.builder().get().parse(options, args, !interspersed);
        // stopping at the first argument, the parser hands an unknown flag over as one
        List<String> rest = cl.getArgList();
        int before = args.length - rest.size() - 1; // the token before the arguments: "--" ends the flags
        if (!rest.isEmpty() && rest.get(0).startsWith("-") && rest.get(0).length() > 1
            && !(before >= 0 && args[before].equals("--"))) {
            throw new ParseException("unknown flag: " + rest.get(0).split("=", 2)[0]);
        }
        if (cl.hasOption("help")) {
            PrintWriter pw = new PrintWriter(System.out);
            new HelpFormatter().printHelp(pw, 100, usage, "", options, 2, 4, "");
            pw.print(footer.isEmpty() ? "" : footer + "\n"); // as written: the formatter would re-wrap examples
            pw.flush();
            return null;
        }
        return cl;
    }

    /** Every value given to a repeatable {@code opt}, in order; none when it was not given. */
    static java.util.List<String> values(CommandLine cl, String opt) {
        String[] v = cl.getOptionValues(opt);
        return v == null ? java.util.List.of() : java.util.List.of(v);
    }

    static int intValue(CommandLine cl, String opt, int dflt) throws ParseException {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ParseException("invalid value \"" + v + "\" for --" + opt + ": not a whole number");
        }
    }
}
