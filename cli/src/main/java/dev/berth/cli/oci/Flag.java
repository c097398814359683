package dev.berth.cli.oci;

/** One command-line flag as runc's parser reads it: {@code --name=value} or {@code --name} (value null). */
record Flag(String name, String value) {
    static Flag of(String arg) {
        int eq = arg.indexOf('=');
        return eq > 0 ? new Flag(arg.substring(0, eq), arg.substring(eq + 1)) : new Flag(arg, null);
    }
}
