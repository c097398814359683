package dev.berth.image;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Builds tar archives in memory for tests, hostile ones included. */
final class Tars {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarWriter tar = new TarWriter(bytes);

    Tars dir(String name) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.DIR);
        e.mode = 0755;
        tar.add(e, null);
        return this;
    }

    Tars file(String name, String content) throws IOException {
        return file(name, content, 0644);
    }

    Tars file(String name, String content, int mode) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.FILE);
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        e.size = b.length;
        e.mode = mode;
        e.mtimeSeconds = 1_700_000_000L;
        tar.add(e, new ByteArrayInputStream(b));
        return this;
    }

    Tars entry(TarEntry e, byte[] data) throws IOException {
        tar.add(e, data == null ? null : new ByteArrayInputStream(data));
        return this;
    }

    Tars symlink(String name, String target) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.SYMLINK);
        e.linkName = target;
        e.mode = 0777;
        tar.add(e, null);
        return this;
    }

    Tars hardlink(String name, String target) throws IOException {
        TarEntry e = new TarEntry(name, TarEntry.HARDLINK);
        e.linkName = target;
        tar.add(e, null);
        return this;
    }

    byte[] bytes() throws IOException {
        tar.finish();
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(in);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out)) {
            z.write(in);
        }
        return out.toByteArray();
    }
}
