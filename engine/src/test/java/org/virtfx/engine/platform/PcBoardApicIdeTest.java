package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cpu.CpuHost;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.devices.apic.LocalApic;
import org.virtfx.engine.devices.ide.PiixIde;
import org.virtfx.engine.machine.MachineConfig;

/** The APIC, HPET and IDE wiring of PcBoard, driven through its buses with stand-in vCPUs. */
class PcBoardApicIdeTest {
    @TempDir
    Path dir;

    @Test
    void apicsIoApicHpetAndIdeAreWired() throws Exception {
        Path bios = Path.of("/usr/share/seabios/bios.bin");
        assumeTrue(Files.isReadable(bios), "Debian seabios not installed");
        Path disk = dir.resolve("d.raw");
        Files.write(disk, new byte[1 << 20]);
        List<CpuHost> hosts = new java.util.ArrayList<>();
        MachineConfig cfg = new MachineConfig("t", 64 << 20, 2, bios, null, null, "", null, List.of(disk), false, null);
        try (TestContext ctx = new TestContext()) {
            PcBoard board = new PcBoard(cfg, ctx, host -> {
                hosts.add(host);
                return new RecordingCpu(host);
            });
            try {
                assertInstanceOf(LocalApic.class, hosts.get(0).interrupts());
                assertInstanceOf(LocalApic.class, hosts.get(1).interrupts());
                assertNotSame(hosts.get(0).interrupts(), hosts.get(1).interrupts());
                var mem = board.memory();
                assertEquals(0x00050014L, mem.read(0xFEE00030L, 4), "local APIC version");
                mem.write(0xFEC00000L, 4, 1);
                assertEquals(0x00170020L, mem.read(0xFEC00010L, 4), "I/O APIC version");
                assertEquals(0x8086A201L, mem.read(0xFED00000L, 4), "HPET capabilities");
                var io = board.io();
                io.write(0xCF8, 4, 0x80000000 | 1 << 11 | 1 << 8);
                assertEquals(0x70108086, io.read(0xCFC, 4), "PIIX IDE at 00:01.1");
                assertTrue(board.lookup(PiixIde.class).isPresent());
                assertEquals(0x50, io.read(0x1F7, 1), "the --disk image is the primary master");
                assertEquals(0xFF, io.read(0x177, 1), "nothing on the secondary channel");
                // ISA IRQ 4 reaches the I/O APIC pin 4 and from there the BSP's local APIC
                LocalApic bsp = (LocalApic) hosts.get(0).interrupts();
                mem.write(0xFEE000F0L, 4, 0x1FF);
                mem.write(0xFEE00350L, 4, 0x10700);    // LINT0 masked: only the I/O APIC path is open
                mem.write(0xFEC00000L, 4, 0x18);
                mem.write(0xFEC00010L, 4, 0x44);       // pin 4 -> vector 0x44, edge, CPU 0
                board.isaIrqs().input(4).set(true);
                assertTrue(bsp.hasInterrupt());
                assertEquals(0x44, bsp.acknowledge());
            } finally {
                board.close();
            }
        }
    }
}
