package dev.berth.image;

import java.util.LinkedHashMap;
import java.util.Map;

/** An OCI platform: {@code linux/amd64}, {@code linux/arm64/v8}. Variant may be null. */
public record Platform(String os, String architecture, String variant) {
    /** The platform of this JVM, in Go's names. */
    public static Platform current() {
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "amd64";
        } else if (arch.equals("aarch64")) {
            arch = "arm64";
        }
        return new Platform("linux", arch, null);
    }

    /** Parses {@code os/arch[/variant]}. */
    public static Platform parse(String s) throws ImageException.InvalidReference {
        String[] p = s.split("/");
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new ImageException.InvalidReference("invalid platform \"" + s + "\": expected OS/ARCH[/VARIANT], e.g. linux/amd64");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    static Platform fromJson(Map<String, Object> m) {
        if (m == null) {
            return null;
        }
        return new Platform(str(m.get("os")), str(m.get("architecture")), str(m.get("variant")));
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", architecture);
        m.put("os", os);
        if (variant != null) {
            m.put("variant", variant);
        }
        return m;
    }

    /** True when an image for {@code this} runs on {@code wanted} (a missing variant matches any). */
    public boolean matches(Platform wanted) {
        return wanted.os.equals(os) && wanted.architecture.equals(architecture)
            && (wanted.variant == null || variant == null || wanted.variant.equals(variant));
    }

    private static String str(Object o) {
        return o instanceof String s ? s : null;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
