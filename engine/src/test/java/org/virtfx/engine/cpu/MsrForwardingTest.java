package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/** IA32_APIC_BASE and IA32_TSC_DEADLINE belong to the local APIC: RDMSR/WRMSR reach the interrupt controller. */
class MsrForwardingTest {
    /** A local APIC stand-in that keeps what the CPU writes. */
    static final class RecordingApic implements InterruptController {
        long apicBase = 0xFEE00900L;
        long deadline;

        @Override
        public boolean hasInterrupt() {
            return false;
        }

        @Override
        public int acknowledge() {
            return 0;
        }

        @Override
        public long apicBaseMsr() {
            return apicBase;
        }

        @Override
        public void setApicBaseMsr(long value) {
            apicBase = value;
        }

        @Override
        public long tscDeadline() {
            return deadline;
        }

        @Override
        public void setTscDeadline(long tscValue) {
            deadline = tscValue;
        }
    }

    @Test
    void apicBaseAndTscDeadlineGoToTheInterruptController() {
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            ReentrantLock lock = new ReentrantLock();
            PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
            phys.mapRam(0, 1 << 20, 0);
            RecordingApic apic = new RecordingApic();
            SoftwareCpu cpu = new SoftwareCpu(new CpuHost(0, 1, phys, new IoBus(lock), apic, null,
                    CpuHost.DEFAULT_TSC_HZ));
            assertEquals(0xFEE00900L, cpu.readMsr(0x1B));
            cpu.writeMsr(0x1B, 0xFEC00100L);
            assertEquals(0xFEC00100L, apic.apicBase);
            assertEquals(0xFEC00100L, cpu.readMsr(0x1B));
            cpu.writeMsr(0x6E0, 123_456_789L);
            assertEquals(123_456_789L, apic.deadline);
            apic.deadline = 42;
            assertEquals(42, cpu.readMsr(0x6E0));
        }
    }
}
