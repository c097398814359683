package dev.berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The daemon's idle memory: the JDK keeps the reaper thread of an ended process a minute, about
 * 90 KB each; with java.lang opened (bin/berth's daemon flags) the daemon shortens that to a
 * second. Without the flag nothing changes, and the threads stay: the probe shows both.
 */
class ReaperKeepAliveTest {
    private static String probe(boolean open) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        if (open) {
            cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ReaperProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void idleReapersEndWithinSecondsWhenJavaLangIsOpen() throws Exception {
        assertEquals("true 0", probe(true));
    }

    @Test
    void withoutTheFlagTheyStayTheJdksMinute() throws Exception {
        assertEquals("false 8", probe(false));
    }
}
