package dev.berth.image;

import dev.berth.runtime.json.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Puts small images straight into a store (no archive), for tests. */
final class TestImages {
    private TestImages() {}

    static Image put(ImageStore s, byte[]... layers) throws IOException {
        List<Descriptor> ls = new ArrayList<>();
        List<Object> diffIds = new ArrayList<>();
        for (byte[] layer : layers) {
            BlobStore.Blob b = s.blobs().put(layer);
            Compression c;
            try (InputStream in = new BufferedInputStream(new ByteArrayInputStream(layer))) {
                c = Compression.detect(in);
            }
            ls.add(new Descriptor(c.ociLayerType(), b.digest(), b.size()));
            try (InputStream in = Compression.open(new ByteArrayInputStream(layer))) {
                diffIds.add(Digest.of(in.readAllBytes()).toString());
            }
        }
        byte[] config = config(diffIds);
        BlobStore.Blob cb = s.blobs().put(config);
        Manifest m = new Manifest(MediaTypes.OCI_MANIFEST, new Descriptor(MediaTypes.OCI_CONFIG, cb.digest(), cb.size()), ls, null);
        BlobStore.Blob mb = s.blobs().put(m.toJson());
        return new Image(mb.digest(), m, ImageConfig.parse(config));
    }

    static byte[] config(List<Object> diffIds) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architecture", Platform.current().architecture());
        c.put("os", "linux");
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("Cmd", List.of("/bin/sh"));
        c.put("config", cfg);
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", diffIds);
        c.put("rootfs", rootfs);
        return Json.compact(c).getBytes(StandardCharsets.UTF_8);
    }
}
