package dev.berth.engine;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Container ids and names, shaped as docker's. */
final class Names {
    private static final SecureRandom RANDOM = new SecureRandom();
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
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String random() {
        return LEFT[RANDOM.nextInt(LEFT.length)] + "_" + RIGHT[RANDOM.nextInt(RIGHT.length)]
            + "_" + Integer.toString(RANDOM.nextInt(1 << 16), 36);
    }

    static void validate(String name) throws EngineException {
        if (!VALID.matcher(name).matches() || name.length() > 128) {
            throw new EngineException.InvalidArgument("invalid container name \"" + name
                + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }
}
