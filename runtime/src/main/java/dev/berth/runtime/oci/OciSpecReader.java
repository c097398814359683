package dev.berth.runtime.oci;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a bundle's config.json into an {@link OciSpec} and checks it, touching nothing: every
 * problem is an {@link OciSpecException} whose message is one line naming the field.
 */
public final class OciSpecReader {
    /** The size beyond which config.json is refused unread; real ones are a few KiB. */
    static final long MAX_BYTES = 16L << 20;

    private OciSpecReader() {}

    /**
     * Reads and checks {@code bundle/config.json}. A relative root.path is taken from the bundle's
     * real path, as runc takes it from its working directory there.
     */
    public static OciSpec read(Path bundle) throws OciSpecException {
        return parse(text(bundle), realPath(bundle));
    }

    /** The text of {@code bundle/config.json}, unchecked. */
    public static String text(Path bundle) throws OciSpecException {
        return load(realPath(bundle).resolve("config.json"), "config.json");
    }

    /** The bundle's real path, as runc reports it; a bundle that is not there is left as given. */
    public static Path realPath(Path bundle) {
        try {
            return bundle.toRealPath();
        } catch (IOException e) {
            return bundle.toAbsolutePath().normalize(); // config.json's absence is reported later
        }
    }

    /** Checks config.json's text, as {@link #read} does, for a bundle at {@code bundle} (made absolute). */
    public static OciSpec parse(String configJson, Path bundle) throws OciSpecException {
        OciParser p = new OciParser("config.json");
        OciSpec spec = p.spec(document(configJson, "config.json"), bundle.toAbsolutePath().normalize());
        new OciValidator(p).spec(spec);
        return spec;
    }

    /**
     * Reads and checks the process.json of {@code exec --process}: a config.json's process
     * member on its own. Namespace-dependent checks are left to the caller, who knows the
     * container.
     */
    public static OciProcess readProcess(Path file) throws OciSpecException {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return parseProcess(load(file, name), name);
    }

    /** As {@link #readProcess}, for text; {@code source} names it in errors. */
    public static OciProcess parseProcess(String json, String source) throws OciSpecException {
        OciParser p = new OciParser(source);
        OciProcess proc = p.process(document(json, source), "");
        new ProcessChecks(new OciValidator(p)).process(proc, "");
        return proc;
    }

    private static String load(Path file, String source) throws OciSpecException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new OciSpecException(source + ": " + file + " is larger than 16 MiB");
            }
            // as Go does, a byte that is not UTF-8 becomes U+FFFD rather than an error
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new OciSpecException(source + ": " + file
                + " does not exist (berth-runtime spec writes one)");
        } catch (AccessDeniedException e) {
            throw new OciSpecException(source + ": " + file + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new OciSpecException(source + ": " + file + " cannot be read: " + e.getMessage());
        }
    }

    private static Map<String, Object> document(String json, String source) throws OciSpecException {
        Object doc;
        try {
            doc = Json.parse(json);
        } catch (JsonException e) {
            throw new OciSpecException(source + ": " + e.getMessage());
        }
        if (doc instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) m;
            return out;
        }
        throw new OciSpecException(source + ": must be a JSON object, not " + OciParser.kind(doc));
    }
}
