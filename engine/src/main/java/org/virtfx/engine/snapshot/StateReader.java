package org.virtfx.engine.snapshot;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads what a {@link StateWriter} wrote, checking the part id and version first and every length it reads. */
public final class StateReader {
    private static final int MAX_ARRAY = 256 << 20;

    private final DataInputStream in;
    private final int version;
    private final int total;

    /** @param maxVersion the newest version the reading part understands */
    public StateReader(byte[] data, String expectedId, int maxVersion) throws IOException {
        this.total = data.length;
        this.in = new DataInputStream(new ByteArrayInputStream(data));
        String id;
        try {
            id = readString();
            version = in.readInt();
        } catch (EOFException e) {
            throw new SnapshotFormatException("state for '" + expectedId + "' is truncated");
        }
        if (!id.equals(expectedId)) {
            throw new SnapshotFormatException("state is for '" + id + "', not '" + expectedId + "'");
        }
        if (version < 1 || version > maxVersion) {
            throw new SnapshotFormatException("state of '" + id + "' has version " + version + "; this VirtFX reads up to " + maxVersion);
        }
    }

    public int version() {
        return version;
    }

    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    public int readByte() throws IOException {
        return in.readUnsignedByte();
    }

    public int readShort() throws IOException {
        return in.readUnsignedShort();
    }

    public int readInt() throws IOException {
        return in.readInt();
    }

    public long readLong() throws IOException {
        return in.readLong();
    }

    private int readLength(int elementSize) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ARRAY || (long) n * elementSize > total) {
            throw new SnapshotFormatException("bad array length " + n + " in saved state");
        }
        return n;
    }

    public byte[] readBytes() throws IOException {
        byte[] b = new byte[readLength(1)];
        in.readFully(b);
        return b;
    }

    /** Reads a byte array that must have exactly {@code expected} bytes. */
    public byte[] readBytes(int expected) throws IOException {
        byte[] b = readBytes();
        if (b.length != expected) {
            throw new SnapshotFormatException("expected " + expected + " bytes in saved state, found " + b.length);
        }
        return b;
    }

    public int[] readInts() throws IOException {
        int[] v = new int[readLength(4)];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt();
        }
        return v;
    }

    public long[] readLongs() throws IOException {
        long[] v = new long[readLength(8)];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readLong();
        }
        return v;
    }

    public String readString() throws IOException {
        byte[] b = new byte[readLength(1)];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
