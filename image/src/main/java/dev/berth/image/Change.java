package dev.berth.image;

/** One line of {@code berth diff} (docker's {@code container diff}): a path added, changed or deleted. */
public record Change(Kind kind, String path) {
    public enum Kind {
        ADDED('A'), CHANGED('C'), DELETED('D');

        private final char letter;

        Kind(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }
    }

    /** {@code A /path}, as docker prints it. */
    public String line() {
        return kind.letter() + " " + path;
    }
}
