package dev.berth.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * berth netns next to ip netns, both in a private mount namespace with a tmpfs over /run/netns,
 * so that the machine's own named namespaces are neither seen nor touched.
 */
class NetnsTest extends ContainerTestBase {
    private Map<String, String> script(String body) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String part : berth.command()) {
            b.append('\'').append(part.replace("'", "'\\''")).append("' ");
        }
        String prelude = "set -e\nmkdir -p /run/netns && mount -t tmpfs berth-test /run/netns\n"
            + "berth() { " + b + "\"$@\"; }\n"
            // berth as root without capabilities: what a user who may not mount gets
            + "capless_berth() { setpriv --bounding-set=-all --inh-caps=-all " + b + "\"$@\"; }\n";
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", prelude + body)
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Map<String, String> kv = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("@") && eq > 0) {
                kv.put(line.substring(1, eq), line.substring(eq + 1));
            }
        }
        return kv;
    }

    @Test
    void berthAndIpSeeEachOthersNamespaces() throws Exception {
        Map<String, String> r = script("""
            berth netns add blue
            ip netns add red
            echo "@ip_list=$(ip netns list | cut -d' ' -f1 | sort | tr '\\n' ' ')"
            echo "@berth_list=$(berth netns list | tr '\\n' ' ')"
            echo "@links=$(berth netns exec blue ls /sys/class/net | tr '\\n' ' ')"
            echo "@berth_ino=$(berth netns exec red readlink /proc/self/ns/net)"
            echo "@ip_ino=$(ip netns exec red readlink /proc/self/ns/net)"
            ip netns exec blue sleep 30 &
            sleeper=$!
            sleep 0.3
            echo "@berth_pids=$(berth netns pids blue | tr '\\n' ' ')"
            echo "@ip_pids=$(ip netns pids blue | tr '\\n' ' ')"
            echo "@berth_identify=$(berth netns identify $sleeper)"
            echo "@ip_identify=$(ip netns identify $sleeper)"
            echo "@json=$(berth netns identify --json $sleeper) $(berth netns pids --json blue)"
            echo "@self=$(berth netns identify) $(ip netns identify $$)"
            kill $sleeper
            berth netns delete blue
            ip netns delete red
            berth netns add idme
            berth netns set idme 7
            echo "@ids=$(ip netns list | grep '^idme')"
            echo "@berth_ids=$(berth netns list | grep '^idme') $(berth netns list --json)"
            berth netns delete idme
            echo "@after=$(ip netns list | wc -l) $(berth netns list | wc -l)"
            """);
        assertEquals("blue red ", r.get("ip_list"));
        assertEquals("blue red ", r.get("berth_list"));
        assertEquals("lo ", r.get("links"), "a new network namespace has only lo, and /sys shows it");
        assertEquals(r.get("ip_ino"), r.get("berth_ino"));
        assertTrue(r.get("ip_ino").startsWith("net:["));
        assertEquals(r.get("ip_pids"), r.get("berth_pids"));
        assertTrue(!r.get("berth_pids").isBlank());
        assertEquals("blue", r.get("berth_identify"));
        assertEquals("blue", r.get("ip_identify"));
        assertEquals("[\"blue\"] [" + r.get("berth_pids").strip().replace(' ', ',') + "]", r.get("json"));
        assertEquals(" ", r.get("self"), "the host's network namespace has no name, for both");
        assertEquals("idme (id: 7)", r.get("ids"), "the id berth set is the one ip reads back");
        assertEquals("idme (id: 7) [{\"name\":\"idme\",\"id\":7}]", r.get("berth_ids"));
        assertEquals("0 0", r.get("after"));
    }

    @Test
    void etcNetnsIsBoundOverEtcAndAttachNamesAProcesssNamespace() throws Exception {
        Map<String, String> r = script("""
            mkdir -p /etc/netns && mount -t tmpfs berth-test /etc/netns
            mkdir /etc/netns/green && echo 'nameserver 192.0.2.53' > /etc/netns/green/resolv.conf
            berth netns add green
            echo "@resolv=$(berth netns exec green cat /etc/resolv.conf)"
            unshare --net sleep 30 &
            sleeper=$!
            sleep 0.3
            berth netns attach pinned $sleeper
            echo "@attached=$(readlink /proc/$sleeper/ns/net) $(ip netns exec pinned readlink /proc/self/ns/net)"
            kill $sleeper
            berth netns delete green pinned
            """);
        assertEquals("nameserver 192.0.2.53", r.get("resolv"));
        String[] attached = r.get("attached").split(" ");
        assertEquals(attached[0], attached[1], "the name points at the process's namespace");
    }

    @Test
    void badInputLeavesNothingBehind() throws Exception {
        Map<String, String> r = script("""
            berth netns add dup
            if berth netns add dup 2>/tmp/berth-netns-err; then echo "@dup=accepted"; else echo "@dup=$?"; fi
            echo "@dup_msg=$(cat /tmp/berth-netns-err)"; rm -f /tmp/berth-netns-err
            if berth netns add ../escape 2>/dev/null; then echo "@slash=accepted"; else echo "@slash=$?"; fi
            if berth netns attach ghost 999999999 2>/dev/null; then echo "@ghost=accepted"; else echo "@ghost=$?"; fi
            if berth netns exec nosuch true 2>/dev/null; then echo "@nosuch=accepted"; else echo "@nosuch=$?"; fi
            if berth netns exec dup sh -c 'exit 3'; then echo "@status=0"; else echo "@status=$?"; fi
            if berth netns exec dup /nonexistent 2>/dev/null; then echo "@notfound=0"; else echo "@notfound=$?"; fi
            berth netns delete dup
            touch /run/netns/junk
            if berth netns exec junk true 2>/tmp/berth-netns-err; then echo "@junk=accepted"; else echo "@junk=$?"; fi
            echo "@junk_msg=$(cat /tmp/berth-netns-err)"; rm -f /tmp/berth-netns-err
            berth netns delete junk
            if capless_berth netns add noperm 2>/tmp/berth-netns-err
            then echo "@noperm=accepted"; else echo "@noperm=$?"; fi
            echo "@noperm_msg=$(cat /tmp/berth-netns-err | wc -l) $(cat /tmp/berth-netns-err)"; rm -f /tmp/berth-netns-err
            berth netns add --help >/dev/null
            if berth netns add 2>/dev/null; then echo "@noname=accepted"; else echo "@noname=$?"; fi
            echo "@left=$(ls -A /run/netns | wc -l) $(grep -c ' /run/netns/' /proc/self/mountinfo || true)"
            """);
        assertEquals("1", r.get("dup"));
        assertTrue(r.get("dup_msg").contains("already exists"), r.get("dup_msg"));
        assertEquals("1", r.get("ghost"));
        assertEquals("125", r.get("nosuch"), "exec: berth's failure is 125, the command's status stays its own");
        assertTrue(List.of("1", "125").contains(r.get("slash")), r.get("slash"));
        assertEquals("3", r.get("status"), "exec passes the command's status on");
        assertEquals("127", r.get("notfound"));
        assertEquals("125", r.get("junk"), "berth's own failure, not the command's");
        assertTrue(r.get("junk_msg").contains("is not a network namespace"), r.get("junk_msg"));
        assertEquals("1", r.get("noperm"));
        assertTrue(r.get("noperm_msg").startsWith("1 berth: "), r.get("noperm_msg"));
        assertTrue(r.get("noperm_msg").contains("not permitted") || r.get("noperm_msg").contains("permission denied"),
            r.get("noperm_msg"));
        assertEquals("125", r.get("noname"));
        assertEquals("0 0", r.get("left"), "no file and no mount left after any of it");
    }
}
