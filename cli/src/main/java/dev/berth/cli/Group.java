package dev.berth.cli;

/**
 * What docker's command groups do alike, for {@code berth network}, {@code volume},
 * {@code image}, {@code ns}, {@code netns} and {@code system}: the group's usage when no command
 * is named (exit 125) or when it is asked for ({@code --help}, {@code -h}, {@code help}: exit
 * 0), and the words for a command the group does not have.
 */
final class Group {
    private Group() {}

    /** Whether {@code args} name no command of the group, or ask for its usage. */
    static boolean wantsUsage(String[] args) {
        return args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help");
    }

    /** Prints the group's {@code usage} and returns the exit code for {@code args}. */
    static int usage(String[] args, String usage) {
        System.out.print(usage);
        return args.length == 0 ? ExitCodes.USAGE : 0;
    }

    /** {@code berth GROUP COMMAND} for a command the group does not have. */
    static int unknown(String group, String command) {
        return ExitCodes.usage("'" + command + "' is not a berth " + group + " command.\nSee 'berth " + group + " --help'.");
    }
}
