package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.boot.BadImageException;
import org.virtfx.engine.boot.E820Entry;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.devices.I8042;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.pci.PciDevice;

class PcBoardTest {
    @TempDir
    Path tmp;

    private final TestContext ctx = new TestContext();

    /** A 128 KiB "firmware" whose every byte is its offset's low byte XOR 0x5A, so aliases can be checked. */
    private Path fakeBios(int size) throws IOException {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i ^ 0x5A);
        }
        Path p = tmp.resolve("bios.bin");
        Files.write(p, b);
        return p;
    }

    private PcBoard board(long memory, Path bios) throws IOException {
        MachineConfig c = new MachineConfig("t", memory, 2, bios, null, null, "", null, List.of(), true, null);
        return new PcBoard(c, ctx, RecordingCpu::new);
    }

    private static int config(IoBus io, int dev, int fn, int reg) {
        io.write(0xCF8, 4, 0x80000000 | dev << 11 | fn << 8 | reg);
        return io.read(0xCFC, 4);
    }

    private static void configWrite(IoBus io, int dev, int fn, int reg, int size, int value) {
        io.write(0xCF8, 4, 0x80000000 | dev << 11 | fn << 8 | (reg & 0xFC));
        io.write(0xCFC + (reg & 3), size, value);
    }

    @Test
    void biosIsMappedAtTopOf4GiBAndAliasedBelow1MiB() throws IOException {
        try (PcBoard b = board(64L << 20, fakeBios(128 << 10))) {
            PhysicalMemory m = b.memory();
            assertEquals((0x1FFF0 ^ 0x5A) & 0xFF, m.read(0xFFFFFFF0L, 1));
            assertEquals((0x1FFF0 ^ 0x5A) & 0xFF, m.read(0xFFFF0, 1));
            assertEquals((0x5A), m.read(0xE0000, 1));
            m.write(0xF0000, 1, 0);
            assertEquals((0x10000 ^ 0x5A) & 0xFF, m.read(0xF0000, 1), "ROM until PAM opens the shadow RAM");
        }
    }

    @Test
    void pamShadowingAsSeaBiosDoesIt() throws IOException {
        try (PcBoard b = board(64L << 20, fakeBios(128 << 10))) {
            IoBus io = b.io();
            PhysicalMemory m = b.memory();
            configWrite(io, 0, 0, 0x59, 1, 0x30);
            for (int r = 0x5A; r <= 0x5F; r++) {
                configWrite(io, 0, 0, r, 1, 0x33);
            }
            assertEquals(0, m.read(0xF0000, 1), "shadow RAM is empty");
            byte[] copy = new byte[0x20000];
            m.read(0xFFFE0000L, copy, 0, copy.length);
            m.write(0xE0000, copy, 0, copy.length);
            configWrite(io, 0, 0, 0x59, 1, 0x10);
            assertEquals((0x1FFF0 ^ 0x5A) & 0xFF, m.read(0xFFFF0, 1));
            assertEquals(0x10, config(io, 0, 0, 0x58) >>> 8 & 0xFF);
            assertEquals(PhysicalMemory.Kind.RAM, m.kindOf(0xF0000), "read-only shadow keeps the vCPU fast path");
            b.reset();
            assertEquals(PhysicalMemory.Kind.ROM, m.kindOf(0xF0000), "reset returns the window to ROM");
        }
    }

    @Test
    void chipsetIdentifiesAsI440fxPiix3Piix4() throws IOException {
        try (PcBoard b = board(64L << 20, fakeBios(128 << 10))) {
            IoBus io = b.io();
            assertEquals(0x12378086, config(io, 0, 0, 0));
            assertEquals(0x70008086, config(io, 1, 0, 0));
            assertEquals(0x80, config(io, 1, 0, 0x0C) >>> 16 & 0xFF, "multi-function");
            assertEquals(0x71138086, config(io, 1, 3, 0));
            assertEquals(-1, config(io, 5, 0, 0), "empty slot");
            io.write(0xCF8, 4, 0x80000000 | 1 << 11 | 3 << 8 | 0x58);
            assertEquals(0x02, io.read(0xCFF, 1) & 0x02, "APMC_EN already set: SeaBIOS skips the SMM loop");
            assertEquals(0x80000000 | 1 << 11 | 3 << 8 | 0x58, io.read(0xCF8, 4));
        }
    }

    @Test
    void pirqRoutingReachesTheIsaLine() throws IOException {
        try (PcBoard b = board(64L << 20, fakeBios(128 << 10))) {
            class Nic extends PciDevice {
                Nic() {
                    super("nic", 0x10EC, 0x8139, 0x020000, 0);
                    setInterruptPin(1);
                }

                void irq(boolean level) {
                    setIrq(level);
                }
            }
            Nic nic = new Nic();
            b.pci().attach(3, 0, nic);
            configWrite(b.io(), 1, 0, 0x62, 1, 11);   // PIRQC -> IRQ 11 (slot 3 INTA = PIRQC)
            nic.irq(true);
            assertTrue(b.isaIrqs().level(11));
            configWrite(b.io(), 1, 0, 0x62, 1, 0x80);
            assertFalse(b.isaIrqs().level(11), "unrouted");
            configWrite(b.io(), 1, 0, 0x62, 1, 10);
            assertTrue(b.isaIrqs().level(10));
            nic.irq(false);
            assertFalse(b.isaIrqs().level(10));
        }
    }

    @Test
    void powerManagementTimerButtonAndSoftOff() throws IOException {
        try (PcBoard b = board(64L << 20, fakeBios(128 << 10))) {
            IoBus io = b.io();
            configWrite(io, 1, 3, 0x40, 4, 0xB001);
            configWrite(io, 1, 3, 0x80, 1, 0x01);
            assertEquals(0xB000, b.powerManagement().pmBase());
            ctx.at(1_000_000_000L);
            assertEquals(3_579_545, io.read(0xB008, 4));
            assertFalse(b.pressPowerButton(), "no ACPI guest listening yet");
            io.write(0xB000, 2, 0x0100);   // clear PWRBTN_STS
            io.write(0xB002, 2, 0x0100);   // PWRBTN_EN
            io.write(0xB004, 2, 0x0001);   // SCI_EN
            assertTrue(b.pressPowerButton());
            assertTrue(b.isaIrqs().level(9), "SCI");
            io.write(0xB000, 2, 0x0100);
            assertFalse(b.isaIrqs().level(9));
            io.write(0xB004, 2, 0x2001);   // SLP_TYP 0 (S5 in SeaBIOS's DSDT) + SLP_EN
            assertEquals(List.of(0), ctx.powerOffs);
            io.write(0xB3, 1, 0x01);
            io.write(0xB2, 1, 0x00);
            assertEquals(0, io.read(0xB3, 1), "APM 'SMI' completes at once");
            io.write(0xB004, 2, 0x0000);
            io.write(0xB2, 1, 0xF1);       // the FADT's ACPI_ENABLE through SMI_CMD
            assertEquals(1, io.read(0xB004, 2) & 1, "SCI_EN: the guest is in ACPI mode");
            io.write(0xB2, 1, 0xF0);       // ACPI_DISABLE
            assertEquals(0, io.read(0xB004, 2) & 1);
            io.write(0xCF9, 1, 0x06);
            assertEquals(1, ctx.resets);
        }
    }

    @Test
    void cmosAndFwCfgDescribeMemoryAndCpus() throws IOException {
        try (PcBoard b = board(4096L << 20, fakeBios(128 << 10))) {
            assertEquals(0xC0000000L, b.ramBelow4g());
            assertEquals(1L << 30, b.ramAbove4g());
            assertEquals(0xC0000000L, b.memory().ramOffset(0x1_0000_0000L), "RAM above 4 GiB continues the RAM below");
            assertEquals(List.of(new E820Entry(0, 0xC0000000L, 1), new E820Entry(1L << 32, 1L << 30, 1)), b.e820());
            assertEquals(0x80, b.rtc().cmos(0x15));
            assertEquals(0x02, b.rtc().cmos(0x16));
            assertEquals(0xFFFF, b.rtc().cmos(0x30) | b.rtc().cmos(0x31) << 8);
            int units = b.rtc().cmos(0x34) | b.rtc().cmos(0x35) << 8;
            assertEquals((0xC0000000L - (16 << 20)) >> 16, units);
            assertEquals(0x4000, b.rtc().cmos(0x5B) | b.rtc().cmos(0x5C) << 8 | b.rtc().cmos(0x5D) << 16);
            assertEquals(1, b.rtc().cmos(0x5F));
            assertEquals(0x32, b.rtc().cmos(0x3D), "disk first without a CD");
            assertEquals(2, b.fwCfg().item(0x05)[0]);
            assertEquals(1, b.fwCfg().item(0x8002)[0], "IRQ0 override: the PIT is on I/O APIC pin 2");
            assertEquals(40, b.fwCfg().item(0x20).length, "etc/e820 with two entries");
            assertEquals(0x3F8, (b.fwCfg().item(0x23)[0] & 0xFF) | (b.fwCfg().item(0x23)[1] & 0xFF) << 8, "etc/sercon-port");
        }
    }

    @Test
    void devicesAreFoundAndResetAndTheExitDeviceWorks() throws IOException {
        try (PcBoard b = board(32L << 20, fakeBios(128 << 10))) {
            assertInstanceOf(I8042.class, b.lookup(KeyboardInput.class).orElseThrow());
            assertInstanceOf(I8042.class, b.lookup(PointerInput.class).orElseThrow());
            assertEquals(2, b.vcpus().size());
            assertEquals(0xE9, b.io().read(0x402, 1));
            assertEquals("com1", b.io().ownerOf(0x3F8));
            assertEquals("com4", b.io().ownerOf(0x2E8));
            b.io().write(0xF4, 1, 3);
            assertEquals(List.of(7), ctx.powerOffs);
            b.io().write(0x20, 1, 0x11);
            b.io().write(0x21, 1, 0x08);
            b.io().write(0x21, 1, 0x04);
            b.io().write(0x21, 1, 0x01);
            b.io().write(0x21, 1, 0xFE);   // only IRQ0
            b.keyboardController().key(30, true);
            assertFalse(b.pic().hasInterrupt(), "IRQ1 masked");
            b.io().write(0x21, 1, 0x00);
            assertTrue(b.pic().hasInterrupt());
            assertTrue(((RecordingCpu) b.x86Cpus().get(0)).interruptsSignalled > 0, "the BSP is woken");
            b.reset();
            assertFalse(b.pic().hasInterrupt());
            assertEquals(0, b.io().read(0x64, 1) & 1, "keyboard buffer emptied");
        }
    }

    @Test
    void badBiosSizeNamesTheFile() throws IOException {
        Path bios = tmp.resolve("odd.bin");
        Files.write(bios, new byte[100_000]);
        BadImageException e = assertThrows(BadImageException.class, () -> board(32L << 20, bios));
        assertTrue(e.getMessage().contains(bios.toString()), e.getMessage());
    }

    @Test
    void stateRoundTripOfTheHostBridgeKeepsTheAddressLatch() throws Exception {
        try (PcBoard b = board(32L << 20, fakeBios(128 << 10))) {
            configWrite(b.io(), 0, 0, 0x5A, 1, 0x33);
            b.io().write(0xCF8, 4, 0x80000808);
            var parts = b.stateParts();
            assertEquals(20, parts.size(), "PIC, PIT, RTC, port A, i8042, POST, fw_cfg, 5 PCI functions (with IDE and VGA), 4 UARTs, 2 local APICs, I/O APIC, HPET");
            byte[][] saved = new byte[parts.size()][];
            for (int i = 0; i < parts.size(); i++) {
                saved[i] = org.virtfx.engine.devices.StateRoundTrip.save(parts.get(i));
            }
            try (PcBoard other = board(32L << 20, fakeBios(128 << 10))) {
                var otherParts = other.stateParts();
                for (int i = 0; i < parts.size(); i++) {
                    assertEquals(parts.get(i).stateId(), otherParts.get(i).stateId());
                    org.virtfx.engine.devices.StateRoundTrip.load(otherParts.get(i), saved[i]);
                    assertArrayEquals(saved[i], org.virtfx.engine.devices.StateRoundTrip.save(otherParts.get(i)),
                            parts.get(i).stateId());
                }
                assertEquals(0x80000808, other.io().read(0xCF8, 4));
                assertEquals(PhysicalMemory.Kind.RAM, other.memory().kindOf(0xC0000), "PAM restored");
            }
        }
    }
}
