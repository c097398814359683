package dev.berth.cli;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;

/**
 * The user's terminal for {@code -t}: raw mode and size through stty(1). Spawning stty costs a
 * few milliseconds, only on the interactive path, and keeps the cold CLI free of native calls.
 */
final class Terminal {
    private Terminal() {}

    static boolean isTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    /** Rows and columns of the terminal on stdin, or {24, 80} when unknown. */
    static int[] size() {
        try {
            String[] f = stty("size").strip().split("\\s+");
            return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {24, 80};
        }
    }

    /** Puts the terminal in raw mode; returns the settings to restore, or null. */
    static String makeRaw() {
        try {
            String saved = stty("-g").strip();
            stty("raw", "-echo");
            return saved;
        } catch (IOException e) {
            return null;
        }
    }

    static void restore(String saved) {
        if (saved != null) {
            try {
                stty(saved);
            } catch (IOException ignored) {
                // nothing more we can do for the terminal
            }
        }
    }

    private static String stty(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(Redirect.INHERIT)
            .redirectError(Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException("stty failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
