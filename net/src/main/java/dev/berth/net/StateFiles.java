package dev.berth.net;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Reading and writing the JSON state files of the network store, with errors that name the file. */
final class StateFiles {
    private StateFiles() {}

    /** The object in {@code file}, or null when there is no such file. */
    static Map<String, Object> read(Path file, String fix) throws NetException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (CharacterCodingException e) {
            throw corrupt(file, "not UTF-8 text", fix, e);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw corrupt(file, text.isEmpty() ? "empty" : e.getMessage(), fix, e);
        }
    }

    static void write(Path file, Map<String, Object> content) throws NetException {
        write(file, content, true);
    }

    /** {@code durable} false: atomic against a killed process, but not fsync'd ({@link PerBoot}). */
    static void write(Path file, Map<String, Object> content, boolean durable) throws NetException {
        try {
            AtomicFiles.write(file, Json.compact(content).getBytes(StandardCharsets.UTF_8), durable);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot write " + file + ": " + e.getMessage()
                + "; check that the disk is not full and the state directory is writable", e);
        }
    }

    static void delete(Path file) throws NetException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new NetException.SystemFailure("cannot remove " + file + ": " + e.getMessage(), e);
        }
    }

    static NetException.CorruptState corrupt(Path file, String what, String fix, Throwable cause) {
        return new NetException.CorruptState("corrupt state file " + file + " (" + what + "): " + fix, cause);
    }

    /** The string member {@code key}, which must be there. */
    static String string(Map<String, Object> m, String key, Path file, String fix) throws NetException {
        if (m.get(key) instanceof String s) {
            return s;
        }
        throw corrupt(file, "no string member \"" + key + "\"", fix, null);
    }

    /** The object member {@code key}, which must be there. */
    static Map<String, Object> object(Map<String, Object> m, String key, Path file, String fix) throws NetException {
        Map<String, Object> v = Json.map(m, key);
        if (v == null) {
            throw corrupt(file, "no object member \"" + key + "\"", fix, null);
        }
        return v;
    }
}
