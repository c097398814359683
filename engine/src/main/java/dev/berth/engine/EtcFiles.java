package dev.berth.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, written into its directory. */
final class EtcFiles {
    private EtcFiles() {}

    static Map<String, Path> write(Path dir, String hostname) throws IOException {
        return write(dir, hostname, Map.of("hosts", hosts(hostname), "resolv.conf", resolvConf()));
    }

    /** With the texts of hosts and resolv.conf given (a container on a network). */
    static Map<String, Path> write(Path dir, String hostname, Map<String, String> texts) throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("hostname", writeFile(dir.resolve("hostname"), hostname + "\n"));
        files.put("hosts", writeFile(dir.resolve("hosts"), texts.get("hosts")));
        files.put("resolv.conf", writeFile(dir.resolve("resolv.conf"), texts.get("resolv.conf")));
        return files;
    }

    private static Path writeFile(Path p, String text) throws IOException {
        return Files.writeString(p, text);
    }

    static String hosts(String hostname) {
        return "127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "fe00::0\tip6-localnet\n"
            + "ff00::0\tip6-mcastprefix\n"
            + "ff02::1\tip6-allnodes\n"
            + "ff02::2\tip6-allrouters\n"
            + "127.0.1.1\t" + hostname + "\n";
    }

    /**
     * The host's resolv.conf without loopback name servers, which would point into the
     * container's own network namespace (docker does the same).
     */
    static String resolvConf() {
        StringBuilder sb = new StringBuilder();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String t = line.strip();
                if (t.startsWith("nameserver")) {
                    String addr = t.substring("nameserver".length()).strip();
                    if (addr.startsWith("127.") || addr.equals("::1")) {
                        continue;
                    }
                }
                sb.append(line).append('\n');
            }
        } catch (IOException e) {
            // no resolv.conf on the host: the container gets an empty one
        }
        return sb.toString();
    }
}
