package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.cli.RunCommand;
import org.virtfx.engine.display.FrameBuffer;
import org.virtfx.engine.display.PngWriter;
import picocli.CommandLine;

/**
 * The nasm boot sectors in {@code src/test/nasm} draw in mode 13h, mode 12h and 1024x768x32 VBE using only VGA/DISPI
 * registers, the 0xA0000 window and COM1. Run as the firmware of the PC board (a stub copies the sector to 0:7C00),
 * {@code virtfx run --screenshot} must give the expected pictures, the same ones the device-level drawings in
 * {@link GuestDrawings} give. Needs the software CPU; skipped while it is missing.
 */
@Tag("guest")
class VgaGuestProgramTest {
    @TempDir
    Path tmp;

    private Path nasm(Path out, String source, String... defines) throws IOException, InterruptedException {
        Path src = Path.of("src/test/nasm").toAbsolutePath();
        assumeTrue(Files.isDirectory(src), "run from the engine module");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("nasm", "-f", "bin", "-I", src + "/"));
        cmd.addAll(java.util.List.of(defines));
        cmd.addAll(java.util.List.of("-o", out.toString(), src.resolve(source).toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "nasm is not installed");
            throw e;
        }
        String log = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), "nasm " + source + ": " + log);
        return out;
    }

    /** The boot sector, wrapped in the 64 KiB firmware stub that copies it to 0:7C00 and runs it. */
    private Path assemble(String name) throws IOException, InterruptedException {
        Path sector = nasm(tmp.resolve(name + ".bin"), name + ".asm");
        byte[] bytes = Files.readAllBytes(sector);
        assertEquals(512, bytes.length, "one boot sector");
        assertEquals(0x55, bytes[510] & 0xFF);
        assertEquals(0xAA, bytes[511] & 0xFF);
        Path firmware = nasm(tmp.resolve(name + "-bios.bin"), "vga-bios-stub.asm", "-DBOOT_SECTOR=\"" + sector + "\"");
        assertEquals(65536, Files.size(firmware));
        return firmware;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @ParameterizedTest
    @CsvSource({"vga-mode13, mode13.png", "vga-mode12, mode12.png", "vga-vbe1024, vbe1024x768.png"})
    void bootSectorDrawsTheExpectedPicture(String program, String expectedPng) throws Exception {
        Path firmware = assemble(program);
        assumeTrue(present("org.virtfx.engine.cpu.SoftwareCpu"), "needs the software CPU (not merged yet)");
        Path shot = tmp.resolve(program + ".png");
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        int status = new CommandLine(new RunCommand().withStreams(java.io.InputStream.nullInputStream(), serial))
                .execute("-m", "32M", "--bios", firmware.toString(), "--expect-serial", "DONE", "--timeout", "120",
                        "--screenshot", shot.toString());
        assertEquals(0, status, "virtfx run exit status; serial: " + serial);
        Path expectedFile = tmp.resolve("expected.png");
        try (var in = getClass().getResourceAsStream("/vga/" + expectedPng)) {
            Files.write(expectedFile, in.readAllBytes());
        }
        FrameBuffer.Image want = PngWriter.read(expectedFile);
        FrameBuffer.Image got = PngWriter.read(shot);
        assertEquals(want.width() + "x" + want.height(), got.width() + "x" + got.height());
        assertEquals(0, java.util.stream.IntStream.range(0, want.pixels().length)
                .filter(i -> want.pixels()[i] != got.pixels()[i]).count(), "pixels differing from " + expectedPng);
    }
}
