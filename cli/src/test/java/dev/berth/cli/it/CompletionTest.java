package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bash completion script, run by bash as a user's shell would. */
class CompletionTest extends ContainerTestBase {
    private String complete(String... words) throws Exception {
        StringBuilder fn = new StringBuilder("berth() { ");
        for (String part : berth.command()) {
            fn.append('\'').append(part.replace("'", "'\\''")).append("' ");
        }
        fn.append("\"$@\"; }\n");
        StringBuilder arr = new StringBuilder();
        for (String w : words) {
            arr.append('\'').append(w).append("' ");
        }
        String script = fn + "source <(berth completion bash)\n"
            + "COMP_WORDS=(" + arr + "); COMP_CWORD=" + (words.length - 1) + "; _berth\n"
            + "echo \"${COMPREPLY[*]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void completesCommandsFlagsSubcommandsAndContainerNames() throws Exception {
        assertEquals("run", complete("berth", "ru"));
        assertEquals("--name", complete("berth", "run", "--na"));
        assertEquals("enter", complete("berth", "ns", "en"));
        assertEquals("--persist", complete("berth", "ns", "unshare", "--pers"));
        assertEquals("identify", complete("berth", "netns", "ide"));
        assertEquals("--json", complete("berth", "netns", "pids", "--js"));
        assertEquals("--target", complete("berth", "ns", "enter", "--targ"));
        assertEquals("--no-fds", complete("berth", "ns", "limits", "--no"));
        assertEquals("--mount-proc", complete("berth", "ns", "unshare", "--mount-"));
        assertEquals("start stats", complete("berth", "sta"));
        assertEquals("rename", complete("berth", "ren"));
        assertEquals("prune", complete("berth", "container", "pr"));
        assertEquals("--detach-keys", complete("berth", "attach", "--det"));
        assertEquals("unpause", complete("berth", "unp"));
        assertEquals("healthcheck", complete("berth", "heal"));
        assertEquals("--no-stream", complete("berth", "stats", "--no-s"));
        assertEquals("--pids-limit", complete("berth", "update", "--pids"));
        berth.ok("run", "-d", "--name", "completeme", "host", "sleep", "60");
        assertEquals("completeme", complete("berth", "exec", "comp"));
        assertEquals("completeme", complete("berth", "container", "restart", "comp"));
        assertEquals("completeme", complete("berth", "--root", "/x", "ns", "inspect", "comp"));
    }
}
