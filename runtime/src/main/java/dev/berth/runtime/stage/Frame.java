package dev.berth.runtime.stage;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** One frame of the stage protocol: a type byte and a payload (see {@code protocol.h}). */
public record Frame(byte type, byte[] payload) {
    private static final byte[] EMPTY = new byte[0];

    public static Frame of(byte type) {
        return new Frame(type, EMPTY);
    }

    public static Frame ofInt(byte type, int value) {
        return new Frame(type, le(4).putInt(value).array());
    }

    /** The first little-endian int of the payload. */
    public int intValue() {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Reads one frame; null at a clean end of the stream. */
    public static Frame read(InputStream in) throws IOException {
        DataInputStream din = in instanceof DataInputStream d ? d : new DataInputStream(in);
        int type = din.read();
        if (type < 0) {
            return null;
        }
        byte[] hdr = new byte[4];
        din.readFully(hdr);
        int len = ByteBuffer.wrap(hdr).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (len < 0 || len > Protocol.FRAME_MAX) {
            throw new IOException("stage protocol: frame of " + len + " bytes");
        }
        byte[] payload = new byte[len];
        try {
            din.readFully(payload);
        } catch (EOFException e) {
            throw new IOException("stage protocol: truncated frame", e);
        }
        return new Frame((byte) type, payload);
    }

    /** Writes the frame in one call, so that frames of concurrent writers never interleave. */
    public void write(OutputStream out) throws IOException {
        byte[] buf = new byte[5 + payload.length];
        buf[0] = type;
        ByteBuffer.wrap(buf, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(payload.length);
        System.arraycopy(payload, 0, buf, 5, payload.length);
        synchronized (out) {
            out.write(buf);
            out.flush();
        }
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
