package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/** Page walks of {@link Mmu}: PSE and PAE pages, NX, CR0.WP, user/supervisor, A/D bits, #PF error codes, CR2. */
class MmuPagingTest {
    private final GuestMemory ram = GuestMemory.allocate(16 << 20);
    private final SoftwareCpu cpu;

    MmuPagingTest() {
        ReentrantLock lock = new ReentrantLock();
        PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
        phys.mapRam(0, 16 << 20, 0);
        cpu = new SoftwareCpu(new CpuHost(0, 1, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
    }

    @AfterEach
    void close() {
        ram.close();
    }

    private int fault(long lin, int access, boolean user) {
        CpuFault f = assertThrows(CpuFault.class, () -> cpu.mmu.translate(lin, access, user));
        assertEquals(CpuFault.PF, f.vector());
        assertEquals(lin, cpu.cr2);
        return f.errorCode();
    }

    @Test
    void pse4MiBPagesSetAccessedAndDirty() {
        ram.write32(0x1000 + 4 * 1, 0x00800000 | 0x80 | 0x7);     // 4 MiB page at 0x400000 -> 0x800000
        cpu.setControlRegister(4, SoftwareCpu.CR4_PSE);
        cpu.setControlRegister(3, 0x1000);
        cpu.setControlRegister(0, SoftwareCpu.CR0_PE | SoftwareCpu.CR0_PG);
        assertEquals(0x812345, cpu.mmu.translate(0x412345, Mmu.READ, false));
        assertEquals(0x20, ram.read32(0x1004) & 0x60);
        assertEquals(0x812345, cpu.mmu.translate(0x412345, Mmu.WRITE, true));
        assertEquals(0x60, ram.read32(0x1004) & 0x60);
    }

    @Test
    void writeProtectAndUserChecks() {
        ram.write32(0x1000, 0x2000 | 0x7);          // PDE: user, writable
        ram.write32(0x2000 + 4 * 5, 0x5000 | 0x1);  // PTE for 0x5000: supervisor, read-only
        cpu.setControlRegister(3, 0x1000);
        cpu.setControlRegister(0, SoftwareCpu.CR0_PE | SoftwareCpu.CR0_PG);
        assertEquals(0x5010, cpu.mmu.translate(0x5010, Mmu.WRITE, false)); // WP=0: supervisor may write
        cpu.setControlRegister(0, SoftwareCpu.CR0_PE | SoftwareCpu.CR0_PG | SoftwareCpu.CR0_WP);
        assertEquals(0x3, fault(0x5010, Mmu.WRITE, false));
        assertEquals(0x5, fault(0x5020, Mmu.READ, true));
        assertEquals(0x6, fault(0x6000, Mmu.WRITE, true));                 // not present
    }

    @Test
    void paeTwoMiBPagesAndNoExecute() {
        ram.write64(0x3000, 0x4000 | 1);                                  // PDPTE 0
        ram.write64(0x4000 + 8 * 2, 0x8000000000A00000L | 0x80 | 0x7);    // 2 MiB NX page at 0x400000
        cpu.setControlRegister(4, SoftwareCpu.CR4_PAE);
        cpu.setControlRegister(3, 0x3000);
        cpu.setControlRegister(0, SoftwareCpu.CR0_PE | SoftwareCpu.CR0_PG);
        // without EFER.NXE bit 63 is reserved
        assertEquals(0x9 | 0x0, fault(0x400000, Mmu.READ, false) & ~0x10);
        cpu.writeMsr(0xC0000080, SoftwareCpu.EFER_NXE);
        assertEquals(0xA01234, cpu.mmu.translate(0x401234, Mmu.READ, false));
        assertEquals(0x11, fault(0x401234, Mmu.EXEC, false));
        assertThrows(CpuFault.class, () -> cpu.writeMsr(0xC0000080, 1L << 8)); // LME: no long mode here
    }
}
