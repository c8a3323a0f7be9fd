package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

class CpuStateTest {
    private static SoftwareCpu cpu(GuestMemory ram) {
        ReentrantLock lock = new ReentrantLock();
        PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
        phys.mapRam(0, ram.size(), 0);
        return new SoftwareCpu(new CpuHost(0, 1, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
    }

    @Test
    void roundTripKeepsTheArchitecturalState() throws Exception {
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            SoftwareCpu a = cpu(ram);
            for (int i = 0; i < 8; i++) {
                a.setGpr(i, 0x11111111L * (i + 1));
            }
            a.setControlRegister(0, SoftwareCpu.CR0_PE);
            a.loadSegment(X86Cpu.Segment.CS, 0x08, 0, 0xFFFFFFFF, 0xC09B);
            a.loadSegment(X86Cpu.Segment.SS, 0x10, 0x1000, 0xFFFF, 0x93);
            a.setRip(0x123456);
            a.setRflags(0x246);
            a.setDescriptorTable(false, 0x5000, 0x27);
            a.writeMsr(Msrs.SYSENTER_EIP, 0xC0001000L);
            StateWriter w = new StateWriter(a.stateId(), CpuState.VERSION);
            a.saveState(w);
            byte[] data = w.toByteArray();
            SoftwareCpu b = cpu(ram);
            b.loadState(new StateReader(data, b.stateId(), CpuState.VERSION));
            assertEquals(a.describeState(), b.describeState());
            assertEquals(0xC0001000L, b.readMsr(Msrs.SYSENTER_EIP));
            assertEquals(0x246, b.rflags());
        }
    }

    @Test
    void truncatedStateIsRejected() throws Exception {
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            SoftwareCpu a = cpu(ram);
            StateWriter w = new StateWriter(a.stateId(), CpuState.VERSION);
            w.writeLongs(new long[3]);
            byte[] data = w.toByteArray();
            assertThrows(SnapshotFormatException.class,
                    () -> a.loadState(new StateReader(data, a.stateId(), CpuState.VERSION)));
        }
    }
}
