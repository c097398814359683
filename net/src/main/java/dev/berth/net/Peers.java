package dev.berth.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Name resolution between the containers of a user-defined network, through their
 * {@code /etc/hosts}: each container's file lists every other container on the network by name,
 * aliases and short id, and a container that joins or leaves is added to or taken out of the
 * others' files. Who is on which network is kept in {@code DIR/.peers/NETWORK.json} (for one boot,
 * not fsync'd: {@link PerBoot}); every change happens under the store's lock, so concurrent joins
 * see each other.
 *
 * <p>berth has no daemon to answer DNS, and a resolver per network would be a process to keep
 * alive and account for. A hosts file needs none and is read by every libc, busybox and musl
 * alike. The files are rewritten in place because the container sees them through a bind mount
 * of the inode; a reader may see a line missing for the moment of a write, as with docker's own
 * rewrites of /etc/hosts. The default network has no names (docker's default bridge has none
 * either).
 */
public final class Peers {
    /** The most of a container's hosts file that is read back: the container can write to it. */
    private static final int MAX_HOSTS = 1 << 20;
    private static final String TAG = "\t# berth ";

    private final Networks networks;

    public Peers(Networks networks) {
        this.networks = networks;
    }

    /**
     * A container as the others on a network know it.
     *
     * @param hosts    the host side of its /etc/hosts
     * @param address6 its IPv6 address on a dual-stack network (an AAAA answer for its names), else null
     */
    public record Peer(String containerId, String name, List<String> aliases, String address, Path hosts,
                       String address6) {
        public Peer {
            aliases = List.copyOf(aliases);
        }

        /** A container with an IPv4 address only. */
        public Peer(String containerId, String name, List<String> aliases, String address, Path hosts) {
            this(containerId, name, aliases, address, hosts, null);
        }

        /** Its lines in the others' hosts files: IPv4, then IPv6, both tagged as its. */
        List<String> lines(String network) {
            return address6 == null ? List.of(line(network, address))
                : List.of(line(network, address), line(network, address6));
        }

        private String line(String network, String address) {
            StringBuilder sb = new StringBuilder(address).append('\t').append(name);
            for (String a : aliases) {
                if (!a.equals(name)) {
                    sb.append(' ').append(a);
                }
            }
            sb.append(' ').append(containerId, 0, Math.min(12, containerId.length()));
            return sb.append(TAG).append(network).append(' ').append(containerId).toString();
        }
    }

    /**
     * Puts {@code p} on network {@code n}: its hosts file gets the others, theirs get it. Joining
     * again replaces what was there (an address or aliases that changed).
     */
    public void join(Network n, Peer p) throws NetException {
        for (String a : p.aliases()) {
            if (!Addresses.plain(a)) {
                throw new NetException.InvalidArgument("invalid alias \"" + a + "\": give a name without blanks");
            }
        }
        if (n.isDefault()) {
            return;
        }
        try (StateLock l = networks.lock()) {
            Map<String, Peer> book = read(n.name());
            // a container that crashed before it left has no hosts file any more: forget it, so
            // that its name does not point at an address that may be given to another
            book.values().removeIf(o -> !Files.exists(o.hosts()));
            book.put(p.containerId(), p);
            write(n.name(), book);
            List<String> others = new ArrayList<>();
            for (Peer o : book.values()) {
                if (!o.containerId().equals(p.containerId())) {
                    others.addAll(o.lines(n.name()));
                    rewrite(o.hosts(), n.name(), p.containerId(), p.lines(n.name()));
                }
            }
            rewrite(p.hosts(), n.name(), null, others);
        }
    }

    /** Takes {@code containerId} off network {@code network}: out of the others' hosts files and theirs out of its. */
    public void leave(String network, String containerId) throws NetException {
        try (StateLock l = networks.lock()) {
            leaveLocked(network, containerId);
        }
    }

    /** Takes a container off every network (at rm). */
    public void leaveAll(String containerId) throws NetException {
        try (StateLock l = networks.lock()) {
            for (String network : names()) {
                leaveLocked(network, containerId);
            }
        }
    }

    /**
     * Gives {@code containerId} a new name on every network it is on: the others' hosts files
     * resolve {@code name} and no longer the old one (its aliases and short id stay), as docker's
     * embedded DNS does after a rename.
     */
    public void rename(String containerId, String name) throws NetException {
        try (StateLock l = networks.lock()) {
            for (String network : names()) {
                Map<String, Peer> book = read(network);
                Peer old = book.get(containerId);
                if (old == null) {
                    continue;
                }
                Peer p = new Peer(containerId, name, old.aliases(), old.address(), old.hosts(), old.address6());
                book.put(containerId, p);
                write(network, book);
                for (Peer o : book.values()) {
                    if (!o.containerId().equals(containerId)) {
                        rewrite(o.hosts(), network, containerId, p.lines(network));
                    }
                }
            }
        }
    }

    /** The containers on {@code network}, in the order they joined. */
    public List<Peer> list(String network) throws NetException {
        networks.sameBoot();
        return new ArrayList<>(read(network).values());
    }

    private void leaveLocked(String network, String containerId) throws NetException {
        Map<String, Peer> book = read(network);
        Peer gone = book.remove(containerId);
        if (gone == null) {
            return;
        }
        if (book.isEmpty()) {
            StateFiles.delete(file(network));
        } else {
            write(network, book);
        }
        for (Peer o : book.values()) {
            rewrite(o.hosts(), network, containerId, List.of());
        }
        rewrite(gone.hosts(), network, null, List.of());
    }

    /**
     * Replaces, in one hosts file, the lines berth wrote for {@code network} (those of
     * {@code containerId} only, or all when it is null) with {@code lines}. A file that is gone
     * (its container is being removed) or too big to be berth's is left alone.
     */
    private static void rewrite(Path hosts, String network, String containerId, List<String> lines)
        throws NetException {
        String mark = TAG + network + " " + (containerId == null ? "" : containerId);
        try (FileChannel ch = FileChannel.open(hosts, StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() > MAX_HOSTS) {
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) ch.size());
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // a short read of a file that shrank meanwhile ends the loop
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                boolean ours = containerId == null ? line.contains(mark) : line.endsWith(mark);
                if (!line.isEmpty() && !ours) {
                    out.append(line).append('\n');
                }
            }
            for (String line : lines) {
                out.append(line).append('\n');
            }
            byte[] b = out.toString().getBytes(StandardCharsets.UTF_8);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(b), 0);
        } catch (NoSuchFileException e) {
            // the container is being removed
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot update " + hosts + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Peer> read(String network) throws NetException {
        Path f = file(network);
        String fix = "remove it; the containers on network " + network + " then no longer learn each other's names"
            + " until they are reconnected";
        Map<String, Object> m = StateFiles.read(f, fix);
        Map<String, Peer> book = new LinkedHashMap<>();
        if (m == null) {
            return book;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> raw)) {
                throw StateFiles.corrupt(f, "container " + e.getKey() + " is not an object", fix, null);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) raw;
            List<String> aliases = new ArrayList<>();
            if (p.get("Aliases") instanceof List<?> list) {
                for (Object a : list) {
                    aliases.add(String.valueOf(a));
                }
            }
            book.put(e.getKey(), new Peer(e.getKey(), StateFiles.string(p, "Name", f, fix), aliases,
                StateFiles.string(p, "Address", f, fix), Path.of(StateFiles.string(p, "Hosts", f, fix)),
                p.get("Address6") instanceof String a6 ? a6 : null));
        }
        return book;
    }

    private void write(String network, Map<String, Peer> book) throws NetException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Peer p : book.values()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("Name", p.name());
            e.put("Aliases", p.aliases());
            e.put("Address", p.address());
            e.put("Hosts", p.hosts().toString());
            if (p.address6() != null) {
                e.put("Address6", p.address6());
            }
            m.put(p.containerId(), e);
        }
        try {
            Files.createDirectories(file(network).getParent());
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot create " + file(network).getParent() + ": " + e.getMessage(), e);
        }
        StateFiles.write(file(network), m, networks.durablePerBoot());
    }

    private Path file(String network) {
        return networks.dir().resolve(".peers").resolve(network + ".json");
    }

    private List<String> names() throws NetException {
        Path d = networks.dir().resolve(".peers");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.json")) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (!f.startsWith(".")) {
                    out.add(f.substring(0, f.length() - 5));
                }
            }
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + d + ": " + e.getMessage(), e);
        }
        return out;
    }
}
