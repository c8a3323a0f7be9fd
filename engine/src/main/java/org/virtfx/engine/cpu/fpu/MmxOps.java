package org.virtfx.engine.cpu.fpu;

/** Packed MMX arithmetic on 64-bit values (lanes little-endian inside the long). */
public final class MmxOps {
    private MmxOps() {
    }
}
