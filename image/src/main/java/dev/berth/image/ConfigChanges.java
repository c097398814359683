package dev.berth.image;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docker's {@code --change} for import (and commit): Dockerfile instructions applied to an
 * image config's {@code config} object. CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,
 * WORKDIR and STOPSIGNAL, parsed as docker's Dockerfile parser does: CMD, ENTRYPOINT and
 * VOLUME in JSON form ({@code ["a","b"]}) or shell form (CMD and ENTRYPOINT then run through
 * {@code /bin/sh -c}); ENV and LABEL as {@code KEY=VALUE ...} or the old {@code KEY VALUE};
 * quotes, backslashes and {@code $VAR}/{@code ${VAR}} from the image's ENV as a shell reads
 * them. An ENTRYPOINT clears a CMD that these changes did not set, as in a Dockerfile.
 */
public final class ConfigChanges {
    private final Map<String, Object> config;
    private boolean cmdSet;

    private ConfigChanges(Map<String, Object> config) {
        this.config = config;
    }

    /** Applies {@code changes} (one instruction each) to {@code config}, which is changed and returned. */
    public static Map<String, Object> apply(Map<String, Object> config, List<String> changes) throws ImageException {
        ConfigChanges c = new ConfigChanges(config);
        for (String line : changes) {
            c.apply(line.strip());
        }
        return config;
    }

    private void apply(String line) throws ImageException {
        if (line.isEmpty() || line.startsWith("#")) {
            return;
        }
        int sp = 0;
        while (sp < line.length() && !Character.isWhitespace(line.charAt(sp))) {
            sp++;
        }
        String instruction = line.substring(0, sp).toUpperCase(Locale.ROOT);
        String rest = line.substring(sp).strip();
        if (rest.isEmpty() && List.of("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL")
            .contains(instruction)) {
            throw invalid(instruction + " requires at least one argument");
        }
        switch (instruction) {
            case "CMD" -> {
                config.put("Cmd", command(rest));
                cmdSet = true;
            }
            case "ENTRYPOINT" -> {
                config.put("Entrypoint", command(rest));
                if (!cmdSet) {
                    config.remove("Cmd");
                }
            }
            case "ENV" -> {
                for (String[] kv : pairs(rest, "ENV")) {
                    setEnv(kv[0], kv[1]);
                }
            }
            case "LABEL" -> {
                Map<String, Object> labels = objectField("Labels");
                for (String[] kv : pairs(rest, "LABEL")) {
                    labels.put(kv[0], kv[1]);
                }
            }
            case "EXPOSE" -> {
                Map<String, Object> ports = objectField("ExposedPorts");
                for (String spec : ShellWords.split(rest, env())) {
                    for (String p : ports(spec)) {
                        ports.put(p, new LinkedHashMap<String, Object>());
                    }
                }
            }
            case "USER" -> config.put("User", ShellWords.word(rest, env()));
            case "WORKDIR" -> config.put("WorkingDir", workdir(ShellWords.word(rest, env())));
            case "STOPSIGNAL" -> config.put("StopSignal", ShellWords.word(rest, env()));
            case "VOLUME" -> {
                Map<String, Object> volumes = objectField("Volumes");
                List<String> paths = json(rest);
                if (paths == null) {
                    paths = ShellWords.split(rest, env());
                }
                for (String v : paths) {
                    if (v.isBlank()) {
                        throw invalid("VOLUME specified can not be an empty string");
                    }
                    volumes.put(v, new LinkedHashMap<String, Object>());
                }
            }
            case "HEALTHCHECK", "ONBUILD", "SHELL" -> throw invalid(instruction + " is not supported by berth's --change yet; "
                + "use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR or STOPSIGNAL");
            default -> throw invalid((instruction.isEmpty() ? line : instruction) + " is not a valid change command; "
                + "use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR or STOPSIGNAL");
        }
    }

    /** JSON form (an array of strings), or the shell form run by {@code /bin/sh -c}. */
    private static List<Object> command(String rest) {
        List<String> json = json(rest);
        List<Object> out = new ArrayList<>();
        if (json != null) {
            out.addAll(json);
        } else {
            out.add("/bin/sh");
            out.add("-c");
            out.add(rest);
        }
        return out;
    }

    /** {@code rest} as a JSON array of strings, or null when it is not one (docker's parseMaybeJSON). */
    private static List<String> json(String rest) {
        if (!rest.startsWith("[")) {
            return null;
        }
        try {
            if (!(Json.parse(rest) instanceof List<?> l)) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    return null;
                }
                out.add(s);
            }
            return out;
        } catch (JsonException e) {
            return null;
        }
    }

    /** {@code KEY=VALUE ...}, or the old {@code KEY VALUE WITH SPACES} when the first word has no '='. */
    private List<String[]> pairs(String rest, String what) throws ImageException {
        List<String> raw = ShellWords.rawWords(rest);
        List<String[]> out = new ArrayList<>();
        if (raw.get(0).indexOf('=') < 0) {
            int sp = 0;
            while (sp < rest.length() && !Character.isWhitespace(rest.charAt(sp))) {
                sp++;
            }
            String value = rest.substring(sp).strip();
            if (value.isEmpty()) {
                throw invalid(what + " must have two arguments: " + what + " KEY=VALUE");
            }
            out.add(new String[] {rest.substring(0, sp), ShellWords.word(value, env())});
            return out;
        }
        for (String w : raw) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw invalid("syntax error - can't find = in \"" + w + "\"; it must be of the form name=value");
            }
            String key = ShellWords.word(w.substring(0, eq), env());
            if (key.isEmpty()) {
                throw invalid(what + " names must not be empty: \"" + w + "\"");
            }
            out.add(new String[] {key, ShellWords.word(w.substring(eq + 1), env())});
        }
        return out;
    }

    private void setEnv(String key, String value) {
        List<Object> env = new ArrayList<>();
        boolean replaced = false;
        if (config.get("Env") instanceof List<?> l) {
            for (Object o : l) {
                String e = String.valueOf(o);
                if (e.startsWith(key + "=") || e.equals(key)) {
                    if (!replaced) {
                        env.add(key + "=" + value);
                        replaced = true;
                    }
                } else {
                    env.add(e);
                }
            }
        }
        if (!replaced) {
            env.add(key + "=" + value);
        }
        config.put("Env", env);
    }

    /** The image's environment so far, for {@code $VAR}. */
    private Map<String, String> env() {
        Map<String, String> out = new LinkedHashMap<>();
        if (config.get("Env") instanceof List<?> l) {
            for (Object o : l) {
                String e = String.valueOf(o);
                int eq = e.indexOf('=');
                out.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> objectField(String key) {
        if (config.get(key) instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        config.put(key, m);
        return m;
    }

    /** docker's nat.ParsePortSpecs for EXPOSE: {@code 80}, {@code 53/udp}, {@code 8000-8002/tcp}. */
    static List<String> ports(String spec) throws ImageException {
        String proto = "tcp";
        String range = spec;
        int slash = spec.indexOf('/');
        if (slash >= 0) {
            proto = spec.substring(slash + 1).toLowerCase(Locale.ROOT);
            range = spec.substring(0, slash);
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw invalid("invalid proto \"" + proto + "\" in EXPOSE " + spec + ": use tcp, udp or sctp");
        }
        int dash = range.indexOf('-');
        int lo = port(dash < 0 ? range : range.substring(0, dash), spec);
        int hi = dash < 0 ? lo : port(range.substring(dash + 1), spec);
        if (hi < lo) {
            throw invalid("invalid port range " + range + " in EXPOSE: the end is below the start");
        }
        List<String> out = new ArrayList<>();
        for (int p = lo; p <= hi; p++) {
            out.add(p + "/" + proto);
        }
        return out;
    }

    private static int port(String s, String spec) throws ImageException {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("invalid containerPort \"" + s + "\" in EXPOSE " + spec + ": use a number from 0 to 65535");
    }

    /** A relative WORKDIR is joined to the previous one, then cleaned, as docker does. */
    private String workdir(String requested) {
        String base = config.get("WorkingDir") instanceof String s && !s.isEmpty() ? s : "/";
        String path = requested.startsWith("/") ? requested : base + "/" + requested;
        List<String> parts = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(c);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static ImageException.InvalidArgument invalid(String m) {
        return new ImageException.InvalidArgument("--change: " + m);
    }
}
