package dev.berth.engine;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Container ids and names, shaped as docker's. */
final class Names {
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

    /** docker's [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters, checked without a regex. */
    private static boolean valid(String name) {
        if (name.isEmpty() || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    static void validate(String name) throws EngineException {
        if (!valid(name)) {
            throw new EngineException.InvalidArgument("invalid container name \"" + name
                + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }
}
