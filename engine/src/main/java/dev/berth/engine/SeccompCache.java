package dev.berth.engine;

import dev.berth.runtime.seccomp.SeccompProfiles;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compiled default-profile filters, kept per capability set, kernel and build: reading,
 * resolving and compiling the profile costs a cold JVM about 15 ms, reading the bytes back
 * well under one. A file is written whole (temp + rename) or not at all; a damaged or foreign
 * one is just compiled again.
 */
final class SeccompCache {
    private final Path dir;

    SeccompCache(Path root) {
        this.dir = root.resolve("cache");
    }

    /** {flags, filter} for this key, or null. */
    Object[] get(String key) {
        try {
            byte[] b = Files.readAllBytes(dir.resolve(key));
            if (b.length < 4 + 8 || (b.length - 4) % 8 != 0) {
                return null;
            }
            int flags = ByteBuffer.wrap(b, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            byte[] filter = new byte[b.length - 4];
            System.arraycopy(b, 4, filter, 0, filter.length);
            return new Object[] {flags, filter};
        } catch (IOException e) {
            return null;
        }
    }

    void put(String key, int flags, byte[] filter) {
        try {
            Files.createDirectories(dir);
            ByteBuffer b = ByteBuffer.allocate(4 + filter.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(flags).put(filter);
            AtomicFiles.write(dir.resolve(key), b.array(), false);
        } catch (IOException e) {
            // a cache: the next run compiles again
        }
    }

    /** The key of the default profile for these capabilities on this kernel and this build of berth. */
    static String key(long caps, String arch, String kernel) {
        long build = 0;
        try {
            Path code = Path.of(SeccompProfiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            build = Files.getLastModifiedTime(code).toMillis();
        } catch (Exception e) {
            // unknown build: still one key per run of it
        }
        return "seccomp-" + arch + "-" + kernel.replace('/', '_') + "-" + Long.toHexString(caps) + "-"
            + Long.toHexString(build) + ".bpf";
    }
}
