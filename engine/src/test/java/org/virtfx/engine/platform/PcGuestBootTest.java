package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.boot.MultibootLoaderTestKernels;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineState;

/** Real guests on the PC board with the software CPU. */
@Tag("guest")
class PcGuestBootTest {
    @TempDir
    Path tmp;


    /** Runs until the serial output matches, the machine stops, or {@code seconds} pass; returns the output. */
    private static String run(Machine m, Pattern until, double seconds) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.serial(0).addListener(b -> {
            synchronized (out) {
                out.write(b);
            }
        });
        m.start();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.ISO_8859_1);
            }
            if (until.matcher(text).find() || m.state() == MachineState.SHUT_OFF || m.state() == MachineState.CRASHED) {
                Thread.sleep(50);
                synchronized (out) {
                    return out.toString(StandardCharsets.ISO_8859_1);
                }
            }
            Thread.sleep(50);
        }
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void seaBiosReachesTheBootDevicesOnTheSerialConsole() throws Exception {
        Path bios = GuestFixtures.seabios();
        assumeTrue(GuestFixtures.present(bios), "SeaBIOS is not installed");
        MachineConfig c = new MachineConfig("seabios", 64L << 20, 1, bios, null, null, "", null, List.of(), false, null);
        try (Machine m = new Machine(c, new PcBoardFactory())) {
            String out = run(m, Pattern.compile("Booting from"), 120);
            assertTrue(out.contains("SeaBIOS (version"), out);
            assertTrue(out.contains("Booting from"), out);
        }
    }

    @Test
    void multibootKernelSeesItsModuleAndExitsThroughTheExitDevice() throws Exception {
        Path kernel = MultibootLoaderTestKernels.aout(tmp);
        Path module = Files.writeString(tmp.resolve("module"), "payload");
        MachineConfig c = new MachineConfig("multiboot", 32L << 20, 1, null, kernel, module, "", null, List.of(), true, null);
        try (Machine m = new Machine(c, new PcBoardFactory())) {
            String out = run(m, Pattern.compile("(?!)"), 60);
            assertEquals(MachineState.SHUT_OFF, m.state(), out);
            assertEquals((1 << 1) | 1, m.exitCode(), "one module: the kernel wrote 1 to port 0xf4");
            assertTrue(out.contains("MB OK"), out);
        }
    }

    @Test
    void debianI386KernelBootsDirectlyToItsMarker() throws Exception {
        Path kernel = GuestFixtures.kernel(GuestFixtures.Arch.I386);
        Path initrd = GuestFixtures.initramfs(GuestFixtures.Arch.I386);
        assumeTrue(GuestFixtures.present(kernel) && GuestFixtures.present(initrd), "guest fixtures not fetched");
        // cryptomgr.notests skips the kernel's crypto self-tests, minutes of pure computation on an interpreter.
        MachineConfig c = new MachineConfig("linux", 256L << 20, 1, null, kernel, initrd, "console=ttyS0 " + GuestFixtures.FAST_BOOT_ARGS,
                null, List.of(), false, null);
        try (Machine m = new Machine(c, new PcBoardFactory())) {
            String out = run(m, Pattern.compile(GuestFixtures.MARKER), 480);
            assertTrue(out.contains(GuestFixtures.MARKER), out.length() > 4000 ? out.substring(out.length() - 4000) : out);
        }
    }
}
