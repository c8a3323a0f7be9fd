package org.virtfx.engine.boot;

import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * A kernel booted without firmware (Linux bzImage, multiboot). The board calls {@link #load} at power-on and at
 * every platform reset (the guest may have overwritten the images), then {@link #enter} on the bootstrap processor
 * after its architectural reset.
 */
public interface DirectBoot {
    /** Copies the kernel, its modules or initrd and the boot information into guest memory. */
    void load(PhysicalMemory memory);

    /** Puts the bootstrap processor into the kernel's entry state. */
    void enter(X86Cpu cpu);

    /** Flat 4 GiB descriptors in a GDT at {@code gdtBase}: 0x10 code, 0x18 data (Linux __BOOT_CS / __BOOT_DS). */
    static void writeFlatGdt(PhysicalMemory memory, long gdtBase, boolean longModeCode) {
        memory.write(gdtBase, 8, 0);
        memory.write(gdtBase + 8, 8, 0);
        memory.write(gdtBase + 0x10, 8, longModeCode ? 0x00AF9B000000FFFFL : 0x00CF9B000000FFFFL);
        memory.write(gdtBase + 0x18, 8, 0x00CF93000000FFFFL);
    }

    /** Loads the flat protected-mode state shared by Linux's 32-bit entry and multiboot. */
    static void enterFlat32(X86Cpu cpu, long gdtBase, long entry) {
        cpu.setDescriptorTable(false, gdtBase, 0x1F);
        cpu.setDescriptorTable(true, 0, 0);
        cpu.setControlRegister(0, 0x11);   // PE, ET; paging off
        cpu.loadSegment(X86Cpu.Segment.CS, 0x10, 0, 0xFFFFFFFF, 0xC09B);
        for (X86Cpu.Segment s : new X86Cpu.Segment[] {X86Cpu.Segment.DS, X86Cpu.Segment.ES, X86Cpu.Segment.SS,
                X86Cpu.Segment.FS, X86Cpu.Segment.GS}) {
            cpu.loadSegment(s, 0x18, 0, 0xFFFFFFFF, 0xC093);
        }
        for (int r = 0; r < 8; r++) {
            cpu.setGpr(r, 0);
        }
        cpu.setRflags(0x2);
        cpu.setRip(entry);
    }
}
