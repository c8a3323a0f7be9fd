package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * LOCK-ed read-modify-write instructions are atomic against other vCPUs' plain stores, as a spinlock needs: Linux's
 * queued spinlock sets its pending byte with LOCK BTS on the lock word while the holder releases the lock byte of the
 * same word with a plain MOV. A locked instruction that wrote its stale copy of the whole word back lost that release,
 * and the waiting CPU spun forever (the hang of two-vCPU Linux guests at "smp: Bringing up secondary CPUs").
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockedInstructionTest {
    /** At 0x8000: lock bts word [0x100],8; lock btr word [0x100],8; jmp back. Byte 1 of the word only. */
    private static final byte[] BIT_TOGGLER = bytes(0xf0, 0x0f, 0xba, 0x2e, 0x00, 0x01, 0x08, 0xf0, 0x0f, 0xba, 0x36,
            0x00, 0x01, 0x08, 0xeb, 0xf0);
    /**
     * At 0x9000: mov al,[0x100]; loop: cmp [0x100],al; jne bad; inc al; mov [0x100],al; jmp loop;
     * bad: inc word [0x202]; mov al,[0x100]; jmp loop. Counts every store of its own to byte 0 that did not stick.
     */
    private static final byte[] BYTE_WRITER = bytes(0xa0, 0x00, 0x01, 0x38, 0x06, 0x00, 0x01, 0x75, 0x07, 0xfe, 0xc0,
            0xa2, 0x00, 0x01, 0xeb, 0xf3, 0xff, 0x06, 0x02, 0x02, 0xa0, 0x00, 0x01, 0xeb, 0xea);

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static SoftwareCpu cpu(PhysicalMemory phys, ReentrantLock lock, int index) {
        return new SoftwareCpu(new CpuHost(index, 3, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
    }

    /** Each vCPU on a thread of its own, as the machine runs them (a shared pool may run them one after another). */
    private static CompletableFuture<Vcpu.Exit> runOnOwnThread(SoftwareCpu cpu) {
        CompletableFuture<Vcpu.Exit> exit = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> exit.complete(cpu.run()));
        return exit;
    }

    private static PhysicalMemory memory(GuestMemory ram, ReentrantLock lock) {
        PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
        phys.mapRam(0, ram.size(), 0);
        return phys;
    }

    @Test
    void lockedWriteHappensOnlyWhileTheOperandHoldsWhatWasRead() {
        ReentrantLock lock = new ReentrantLock();
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            SoftwareCpu cpu = cpu(memory(ram, lock), lock, 1);
            ram.write32(0x100, 0x0000_0100);
            assertFalse(cpu.mmu.compareAndWrite(0x100, 4, 0x0000_0101, 0x0000_0001), "operand changed since read");
            assertEquals(0x0000_0100, ram.read32(0x100), "a refused write leaves memory alone");

            ram.write32(0x104, 0x1122_3344);
            assertTrue(cpu.mmu.compareAndWrite(0x105, 2, 0x2233, 0xBEEF));
            assertEquals(0x11BE_EF44, ram.read32(0x104), "only the operand's bytes are written");

            ram.write64(0x10E, 0x0807_0605_0403_0201L);   // across an 8-byte boundary: written plainly
            assertTrue(cpu.mmu.compareAndWrite(0x10E, 4, 0x0403_0201, 0xAABB_CCDD));
            assertEquals(0x0807_0605_AABB_CCDDL, ram.read64(0x10E));
        }
    }

    @Test
    void plainStoresOfAnotherVcpuSurviveLockedBitOperationsOnTheSameWord() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            PhysicalMemory phys = memory(ram, lock);
            phys.write(0x8000, BIT_TOGGLER, 0, BIT_TOGGLER.length);
            phys.write(0x9000, BYTE_WRITER, 0, BYTE_WRITER.length);
            SoftwareCpu toggler = cpu(phys, lock, 1);
            SoftwareCpu writer = cpu(phys, lock, 2);
            toggler.deliverInit();
            toggler.deliverStartup(0x08);
            writer.deliverInit();
            writer.deliverStartup(0x09);
            CompletableFuture<Vcpu.Exit> a = runOnOwnThread(toggler);
            CompletableFuture<Vcpu.Exit> b = runOnOwnThread(writer);
            try {
                for (int i = 0; i < 6000 && (toggler.instructionsRetired() < 3_000_000
                        || writer.instructionsRetired() < 3_000_000); i++) {
                    Thread.sleep(10);
                }
            } finally {
                toggler.requestExit();
                writer.requestExit();
            }
            assertEquals(Vcpu.Exit.EXIT_REQUESTED, a.get(30, TimeUnit.SECONDS));
            assertEquals(Vcpu.Exit.EXIT_REQUESTED, b.get(30, TimeUnit.SECONDS));
            assertTrue(writer.instructionsRetired() >= 3_000_000 && toggler.instructionsRetired() >= 3_000_000,
                    () -> "both vCPUs ran: " + toggler.instructionsRetired() + " and " + writer.instructionsRetired()
                            + " instructions\n" + toggler.describeState() + writer.describeState());
            assertEquals(0, ram.read16(0x202), "stores of the writer overwritten by the locked instructions");
        }
    }
}
