package org.virtfx.engine.cpu.fpu;

/** Flat little-endian test memory for the x87, with an EFLAGS register and mode flags. */
final class ByteArrayFpuMemory implements FpuMemory {
    final byte[] bytes;
    long eflags = 0x2;
    boolean operandSize32 = true;
    boolean protectedMode = true;
    boolean longMode64;
    boolean numericErrorNative = true;

    ByteArrayFpuMemory(int size) {
        bytes = new byte[size];
    }

    @Override
    public int read8(long a) {
        return bytes[(int) a] & 0xFF;
    }

    @Override
    public int read16(long a) {
        return read8(a) | read8(a + 1) << 8;
    }

    @Override
    public int read32(long a) {
        return read16(a) | read16(a + 2) << 16;
    }

    @Override
    public long read64(long a) {
        return (read32(a) & 0xFFFFFFFFL) | (long) read32(a + 4) << 32;
    }

    @Override
    public void write8(long a, int v) {
        bytes[(int) a] = (byte) v;
    }

    @Override
    public void write16(long a, int v) {
        write8(a, v);
        write8(a + 1, v >> 8);
    }

    @Override
    public void write32(long a, int v) {
        write16(a, v);
        write16(a + 2, v >> 16);
    }

    @Override
    public void write64(long a, long v) {
        write32(a, (int) v);
        write32(a + 4, (int) (v >>> 32));
    }

    @Override
    public long eflags() {
        return eflags;
    }

    @Override
    public void setEflags(long v) {
        eflags = v;
    }

    @Override
    public boolean operandSize32() {
        return operandSize32;
    }

    @Override
    public boolean protectedMode() {
        return protectedMode;
    }

    @Override
    public boolean longMode64() {
        return longMode64;
    }

    @Override
    public boolean numericErrorNative() {
        return numericErrorNative;
    }

    void writeFloat80(long a, Float80 v) {
        write64(a, v.sig());
        write16(a + 8, v.se());
    }

    Float80 readFloat80(long a) {
        return new Float80(read16(a + 8), read64(a));
    }
}
