package dev.berth.engine;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Container ids and names, shaped as docker's. */
final class Names {
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final String[] LEFT = {"admiring", "bold", "brave", "calm", "clever", "eager",
        "elated", "focused", "gentle", "happy", "jolly", "keen", "kind", "lucid", "nifty",
        "quirky", "serene", "sharp", "stoic", "trusting", "upbeat", "vibrant", "wise", "zen"};
    private static final String[] RIGHT = {"babbage", "bell", "curie", "darwin", "dijkstra",
        "einstein", "euler", "fermi", "galois", "gauss", "hopper", "kepler", "knuth", "lamport",
        "lovelace", "mccarthy", "noether", "pascal", "ritchie", "shannon", "thompson", "torvalds",
        "turing", "wozniak"};

    private Names() {}

    /** 64 lower-case hex characters, like docker's container ids. */
    static String newId() {
        // the kernel's CSPRNG directly: SecureRandom's provider set-up costs milliseconds cold
        try (InputStream in = new FileInputStream("/dev/urandom")) {
            return HexFormat.of().formatHex(in.readNBytes(32));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /dev/urandom", e);
        }
    }

    /** A docker-like adjective_scientist name; unique only by the claim in the store. */
    static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return LEFT[r.nextInt(LEFT.length)] + "_" + RIGHT[r.nextInt(RIGHT.length)]
            + "_" + Integer.toString(r.nextInt(1 << 16), 36);
    }

    static void validate(String name) throws EngineException {
        if (!VALID.matcher(name).matches() || name.length() > 128) {
            throw new EngineException.InvalidArgument("invalid container name \"" + name
                + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }
}
