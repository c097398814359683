package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log copy an attach gives before the live output: up to a size, a line's first piece included. */
class LogReaderTest {
    private static final String T = "2026-11-25T00:00:00.000000001Z";

    @TempDir
    Path dir;

    private static String[] copy(Path log, long end) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        new LogReader(null, "id", log).copyUpTo(out, err, end);
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void copiesRecordsBelowTheSizeAndTheStartOfALineItsEndComesLater() throws Exception {
        String first = T + " stdout F one\n";
        String rest = T + " stderr P par\n" + T + " stderr F tial\n" + T + " stdout F \n" + T + " stdout P half";
        Path log = dir.resolve("container.log");
        Files.writeString(log, first + rest + "\n" + T + " stdout F later\n");
        long upToHalf = (first + rest + "\n").length();
        String[] all = copy(log, upToHalf);
        assertEquals("one\n\nhalf", all[0], "stdout: an empty line kept, the last line's first piece too");
        assertEquals("partial\n", all[1]);
        assertEquals("one\n", copy(log, first.length())[0], "nothing beyond the size");
        assertEquals("", copy(log, first.length() - 1)[0], "a record cut by the size is not there yet");
        assertEquals("one\n\nhalflater\n", copy(log, -1)[0], "-1: the whole log");
        assertEquals("", copy(dir.resolve("none.log"), -1)[0], "no log: nothing");
    }
}
