package org.virtfx.engine.devices.net;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.GuestPort;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.pci.PciBus;
import org.virtfx.engine.snapshot.StateReader;

/**
 * A hostile guest: random register writes (biased toward the ring, control and offload registers), random descriptor
 * rings and TSO contexts in RAM, random frames from the backend, snapshots in between. The card must never throw; it
 * may only drop, warn or write guest memory. {@code -Dvirtfx.fuzz.iterations=N} (profile {@code fuzz} runs more).
 */
@Tag("fuzz")
class E1000FuzzTest {
    private static final int ITERATIONS = Integer.getInteger("virtfx.fuzz.iterations", 300);
    private static final long BAR0 = 0xF0000000L;
    private static final int RAM = 1 << 20;
    private static final int[] HOT = {
        E1000Registers.CTRL, E1000Registers.EECD, E1000Registers.EERD, E1000Registers.MDIC, E1000Registers.ICR,
        E1000Registers.ICS, E1000Registers.IMS, E1000Registers.IMC, E1000Registers.ITR, E1000Registers.RCTL,
        E1000Registers.TCTL, E1000Registers.RDBAL, E1000Registers.RDBAH, E1000Registers.RDLEN, E1000Registers.RDH,
        E1000Registers.RDT, E1000Registers.RDTR, E1000Registers.RADV, E1000Registers.TDBAL, E1000Registers.TDBAH,
        E1000Registers.TDLEN, E1000Registers.TDH, E1000Registers.TDT, E1000Registers.TIDV, E1000Registers.TADV,
        E1000Registers.RXCSUM, E1000Registers.VET, E1000Registers.MTA, E1000Registers.RAL0 + 4};

    @Test
    void hostileGuestNeverMakesTheCardThrow() throws Exception {
        long seed = Long.getLong("virtfx.fuzz.seed", 82540);
        Random rnd = new Random(seed);
        try (TestContext ctx = new TestContext(); GuestMemory ram = GuestMemory.allocate(RAM)) {
            IoBus io = new IoBus(ctx.lock);
            PhysicalMemory mem = new PhysicalMemory(ram, new MmioBus(ctx.lock));
            mem.mapRam(0, RAM, 0);
            long[] sent = new long[1];
            NetworkBackend backend = new NetworkBackend() {
                @Override
                public void start(GuestPort guest) {
                }

                @Override
                public void transmit(byte[] frame, int offset, int length) {
                    sent[0]++;
                }

                @Override
                public void guestCanReceive() {
                }

                @Override
                public void close() {
                }
            };
            E1000 nic = new E1000(ctx, mem, new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56}, backend, new NetCounters());
            PciBus pci = new PciBus(io, mem.mmio());
            pci.attach(3, 0, nic);
            nic.configWrite(0x10, 4, (int) BAR0);
            nic.configWrite(0x14, 4, 0xC000);
            nic.configWrite(0x04, 2, 0x07);
            for (int i = 0; i < ITERATIONS; i++) {
                try {
                    for (int step = 0; step < 40; step++) {
                        act(rnd, mem, io, nic);
                    }
                    if (rnd.nextInt(20) == 0) {
                        byte[] state = nic.saveState();
                        nic.loadState(new StateReader(state, nic.stateId(), 1));
                    }
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("iteration " + i + " (seed " + seed + "): " + e, e);
                }
            }
            assertNull(ctx.crash);
            System.out.printf("e1000 fuzz: %d iterations, %d frames sent, %d distinct warnings%n", ITERATIONS, sent[0],
                    ctx.warnings.stream().distinct().count());
        }
    }

    private static void act(Random rnd, PhysicalMemory mem, IoBus io, E1000 nic) {
        switch (rnd.nextInt(8)) {
            case 0, 1 -> {
                int reg = rnd.nextInt(4) == 0 ? rnd.nextInt(E1000Registers.MMIO_SIZE) & ~3 : HOT[rnd.nextInt(HOT.length)];
                mem.write(BAR0 + reg, 4, value(rnd, reg) & 0xFFFFFFFFL);
            }
            case 2 -> mem.read(BAR0 + (rnd.nextInt(E1000Registers.MMIO_SIZE) & ~3), 1 << rnd.nextInt(3));
            case 3 -> {
                // a descriptor in the transmit ring (at 0), the receive ring (at 0x8000) or elsewhere in the low 64 KiB
                long at = switch (rnd.nextInt(3)) {
                    case 0 -> rnd.nextInt(256) * 16L;
                    case 1 -> 0x8000 + rnd.nextInt(256) * 16L;
                    default -> rnd.nextInt(4096) * 16L;
                };
                for (int k = 0; k < 16; k += 4) {
                    mem.write(at + k, 4, (k == 0 ? rnd.nextInt(RAM) : k == 4 ? rnd.nextInt(3) - 1 : rnd.nextInt()) & 0xFFFFFFFFL);
                }
                if (rnd.nextBoolean()) {
                    // a plausible TSO context: small header length and MSS
                    mem.write(at + 13, 1, rnd.nextInt(120));
                    mem.write(at + 14, 2, 64 + rnd.nextInt(1500));
                }
                mem.write(at + 8, 2, rnd.nextInt(4) == 0 ? rnd.nextInt(65536) : rnd.nextInt(2000));
            }
            case 4 -> {
                byte[] f = new byte[rnd.nextInt(1600)];
                rnd.nextBytes(f);
                if (f.length > 34 && rnd.nextBoolean()) {
                    f[12] = 0x08;
                    f[13] = 0x00;
                    f[14] = (byte) (0x40 | rnd.nextInt(16));
                    f[23] = (byte) (rnd.nextBoolean() ? 6 : 17);
                }
                if (f.length > 6 && rnd.nextBoolean()) {
                    System.arraycopy(new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56}, 0, f, 0, 6);
                }
                nic.canReceive();
                nic.receive(f, 0, f.length);
            }
            case 5 -> {
                io.write(0xC000, 4, rnd.nextInt(4) == 0 ? rnd.nextInt() : HOT[rnd.nextInt(HOT.length)]);
                io.write(0xC000 + 4 * rnd.nextInt(16), 1 << rnd.nextInt(3), rnd.nextInt());
                io.read(0xC000 + rnd.nextInt(64), 1 << rnd.nextInt(3));
            }
            case 6 -> nic.configWrite(0x04, 2, rnd.nextInt(8) == 0 ? 0x03 : 0x07);    // bus mastering off now and then
            default -> {
                // a sane ring now and then so that transmit and receive really run
                mem.write(BAR0 + E1000Registers.TDBAL, 4, 0);
                mem.write(BAR0 + E1000Registers.TDLEN, 4, 4096);
                mem.write(BAR0 + E1000Registers.TCTL, 4, 0x0A);
                mem.write(BAR0 + E1000Registers.TDT, 4, rnd.nextInt(256));
                mem.write(BAR0 + E1000Registers.RDBAL, 4, 0x8000);
                mem.write(BAR0 + E1000Registers.RDLEN, 4, 4096);
                mem.write(BAR0 + E1000Registers.RCTL, 4, 0x801A | rnd.nextInt(4) << 16);
                mem.write(BAR0 + E1000Registers.RDT, 4, rnd.nextInt(256));
            }
        }
    }

    private static int value(Random rnd, int reg) {
        if (reg == E1000Registers.CTRL && rnd.nextInt(4) != 0) {
            return rnd.nextInt() & ~(1 << 26);     // resets now and then only
        }
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt();
            case 1 -> rnd.nextInt(512);
            case 2 -> rnd.nextInt(RAM);
            default -> -1;
        };
    }
}
