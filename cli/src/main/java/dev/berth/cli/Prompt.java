package dev.berth.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

/** docker's question before a prune removes anything (unless {@code --force}). */
final class Prompt {
    private Prompt() {}

    /** Prints {@code warning} (a line) and the question; whether the answer is y or yes. */
    static boolean confirmed(String warning) throws IOException {
        System.out.print(warning + "Are you sure you want to continue? [y/N] ");
        System.out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
        return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    }
}
