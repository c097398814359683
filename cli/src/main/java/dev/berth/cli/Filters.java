package dev.berth.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;

/** docker's {@code -f/--filter KEY=VALUE} flags, repeated keys kept in order. */
final class Filters {
    private Filters() {}

    /** The {@code filter} option's values by key; null after reporting one without a key. */
    static Map<String, List<String>> of(CommandLine cl) {
        List<String> values = list(cl);
        if (values == null) {
            return null;
        }
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (String f : values) {
            int eq = f.indexOf('=');
            filters.computeIfAbsent(f.substring(0, eq), k -> new ArrayList<>()).add(f.substring(eq + 1));
        }
        return filters;
    }

    /** The {@code filter} option's values as given; null after reporting one that is not KEY=VALUE. */
    static List<String> list(CommandLine cl) {
        String[] values = cl.getOptionValues("filter");
        List<String> out = new ArrayList<>();
        for (String f : values == null ? new String[0] : values) {
            if (f.indexOf('=') <= 0) {
                ExitCodes.usage("bad format of filter \"" + f + "\" (expected name=value)");
                return null;
            }
            out.add(f);
        }
        return out;
    }
}
