package org.virtfx.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * INIT and start-up IPIs on an application processor, as Linux sends them (INIT, then two SIPIs). The timeout only
 * turns a vCPU that never returns (the bug these tests guard against) into a failure instead of a hung build.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StartupIpiTest {
    /** At 0x8000: mov ax,1; then inc bx; jmp back (runs until asked to exit). At 0x9000: mov ax,2; hlt. */
    private static SoftwareCpu applicationProcessor(GuestMemory ram) {
        ReentrantLock lock = new ReentrantLock();
        PhysicalMemory phys = new PhysicalMemory(ram, new MmioBus(lock));
        phys.mapRam(0, ram.size(), 0);
        phys.write(0x8000, new byte[] {(byte) 0xB8, 1, 0, 0x43, (byte) 0xEB, (byte) 0xFD}, 0, 6);
        phys.write(0x9000, new byte[] {(byte) 0xB8, 2, 0, (byte) 0xF4}, 0, 4);
        return new SoftwareCpu(new CpuHost(1, 2, phys, new IoBus(lock), null, null, CpuHost.DEFAULT_TSC_HZ));
    }

    private static void awaitAtLeast(LongSupplier value, long target) throws InterruptedException {
        for (int i = 0; i < 2000 && value.getAsLong() < target; i++) {
            Thread.sleep(5);
        }
        assertTrue(value.getAsLong() >= target, "the vCPU stopped making progress at " + value.getAsLong());
    }

    @Test
    void secondStartupIpiDoesNotStopARunningProcessor() throws Exception {
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            SoftwareCpu ap = applicationProcessor(ram);
            assertEquals(Vcpu.Exit.WAIT_FOR_SIPI, ap.run(), "an AP waits for a start-up IPI after power-on");

            ap.deliverInit();
            ap.deliverStartup(0x08);
            ap.deliverStartup(0x09);   // both arrived before the vCPU ran: the first one started it
            CompletableFuture<Vcpu.Exit> exit = CompletableFuture.supplyAsync(ap::run);
            try {
                awaitAtLeast(ap::instructionsRetired, 1000);

                ap.deliverStartup(0x09);   // Linux's second SIPI reaches a processor that is already running
                long before = ap.instructionsRetired();
                awaitAtLeast(ap::instructionsRetired, before + 100_000);
            } finally {
                ap.requestExit();
            }
            assertEquals(Vcpu.Exit.EXIT_REQUESTED, exit.get(30, TimeUnit.SECONDS));
            assertEquals(1, ap.gpr(0) & 0xFFFF, "started by the first SIPI");
            assertEquals(0x8000, ap.segBase[SoftwareCpu.CS]);
        }
    }

    @Test
    void initPutsTheProcessorBackIntoWaitForStartup() throws Exception {
        try (GuestMemory ram = GuestMemory.allocate(1 << 20)) {
            SoftwareCpu ap = applicationProcessor(ram);
            ap.deliverStartup(0x08);
            ap.deliverInit();          // INIT forgets the earlier start-up IPI
            assertEquals(Vcpu.Exit.WAIT_FOR_SIPI, ap.run());

            ap.deliverStartup(0x09);
            ap.requestExit();
            assertEquals(Vcpu.Exit.EXIT_REQUESTED, ap.run());
            assertEquals(0x9000, ap.segBase[SoftwareCpu.CS]);
            assertEquals(0, ap.rip());

            ap.reset();                // a platform reset: wait for a start-up IPI again
            assertEquals(Vcpu.Exit.WAIT_FOR_SIPI, ap.run());
        }
    }
}
