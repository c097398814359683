package dev.berth.runtime.stage;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A stage program: the flat list of records the C stage carries out, in order. Each record keeps
 * a human description that never goes over the wire, so that a failure reported as
 * {@code (step 7, EACCES)} becomes {@code mount proc on /proc: permission denied}.
 */
public final class Program {
    /** One record: an operation, its flags and its string arguments. */
    public record Record(int op, int flags, List<String> args, String description) {}

    private final List<Record> records = new ArrayList<>();

    public Program add(int op, String description, String... args) {
        return addWithFlags(op, 0, description, args);
    }

    public Program addWithFlags(int op, int flags, String description, String... args) {
        for (String a : args) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(description + ": argument contains a NUL byte");
            }
        }
        records.add(new Record(op, flags, List.of(args), description));
        return this;
    }

    /**
     * A step on a path inside the container's root (the last {@code OP_ROOT}): the stage resolves
     * its target there, never following a symlink or {@code ..} out of it ({@code RF_IN_ROOT}).
     */
    public Program addInRoot(int op, String description, String... args) {
        return addWithFlags(op, Protocol.RF_IN_ROOT, description, args);
    }

    public Program addAll(int op, String description, List<String> args) {
        return add(op, description, args.toArray(String[]::new));
    }

    public List<Record> records() {
        return List.copyOf(records);
    }

    /** The description of the record at {@code index}, or null for a pseudo step. */
    public String describe(int index) {
        return index >= 0 && index < records.size() ? records.get(index).description() : null;
    }

    /** The wire form: u16 op, u16 flags, u32 length, NUL-terminated strings; little-endian. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        for (Record r : records) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (String a : r.args()) {
                body.writeBytes(a.getBytes(StandardCharsets.UTF_8));
                body.write(0);
            }
            out.writeBytes(Frame.le(8).putShort((short) r.op()).putShort((short) r.flags())
                .putInt(body.size()).array());
            out.writeBytes(body.toByteArray());
        }
        return out.toByteArray();
    }
}
