package org.virtfx.engine.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes one part's state: a header (id, version) then typed fields. Big-endian, via {@link DataOutputStream}. */
public final class StateWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    public StateWriter(String id, int version) throws IOException {
        writeString(id);
        out.writeInt(version);
    }

    public StateWriter writeBoolean(boolean v) throws IOException {
        out.writeBoolean(v);
        return this;
    }

    public StateWriter writeByte(int v) throws IOException {
        out.writeByte(v);
        return this;
    }

    public StateWriter writeShort(int v) throws IOException {
        out.writeShort(v);
        return this;
    }

    public StateWriter writeInt(int v) throws IOException {
        out.writeInt(v);
        return this;
    }

    public StateWriter writeLong(long v) throws IOException {
        out.writeLong(v);
        return this;
    }

    public StateWriter writeBytes(byte[] v) throws IOException {
        out.writeInt(v.length);
        out.write(v);
        return this;
    }

    public StateWriter writeInts(int[] v) throws IOException {
        out.writeInt(v.length);
        for (int x : v) {
            out.writeInt(x);
        }
        return this;
    }

    public StateWriter writeLongs(long[] v) throws IOException {
        out.writeInt(v.length);
        for (long x : v) {
            out.writeLong(x);
        }
        return this;
    }

    public StateWriter writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
        return this;
    }

    public byte[] toByteArray() throws IOException {
        out.flush();
        return bytes.toByteArray();
    }
}
