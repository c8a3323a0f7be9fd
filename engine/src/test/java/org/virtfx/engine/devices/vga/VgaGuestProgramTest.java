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
 * The nasm boot sectors in {@code src/test/nasm} draw in mode 13h, mode 12h and 1024x768x32 VBE; booted by SeaBIOS
 * from a raw disk, {@code virtfx run --screenshot} must give the expected pictures (the same ones the device-level
 * drawings in {@link GuestDrawings} give). Needs the CPU, the PC board and IDE; skipped while any is missing.
 */
@Tag("guest")
class VgaGuestProgramTest {
    @TempDir
    Path tmp;

    private Path assemble(String name) throws IOException, InterruptedException {
        Path src = Path.of("src/test/nasm").toAbsolutePath();
        assumeTrue(Files.isDirectory(src), "run from the engine module");
        Path bin = tmp.resolve(name + ".bin");
        Process p;
        try {
            p = new ProcessBuilder("nasm", "-f", "bin", "-I", src + "/", "-o", bin.toString(), src.resolve(name + ".asm").toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "nasm is not installed");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), "nasm " + name + ": " + out);
        byte[] sector = Files.readAllBytes(bin);
        assertEquals(512, sector.length, "one boot sector");
        assertEquals(0x55, sector[510] & 0xFF);
        assertEquals(0xAA, sector[511] & 0xFF);
        return bin;
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
        Path bin = assemble(program);
        assumeTrue(present("org.virtfx.engine.cpu.SoftwareCpu") && present("org.virtfx.engine.platform.PcBoard")
                && present("org.virtfx.engine.devices.ide.PiixIde"), "needs the CPU, PcBoard and IDE (not merged yet)");
        Path disk = tmp.resolve(program + ".img");
        byte[] image = new byte[1 << 20];
        System.arraycopy(Files.readAllBytes(bin), 0, image, 0, 512);
        Files.write(disk, image);
        Path shot = tmp.resolve(program + ".png");
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        int status = new CommandLine(new RunCommand().withStreams(java.io.InputStream.nullInputStream(), serial))
                .execute("-m", "32M", "--disk", disk.toString(), "--expect-serial", "DONE", "--timeout", "120",
                        "--screenshot", shot.toString());
        assertEquals(0, status, "virtfx run exit status; serial: " + serial);
        FrameBuffer.Image want;
        Path tmpExpected = tmp.resolve("expected.png");
        try (var in = getClass().getResourceAsStream("/vga/" + expectedPng)) {
            Files.write(tmpExpected, in.readAllBytes());
        }
        want = PngWriter.read(tmpExpected);
        FrameBuffer.Image got = PngWriter.read(shot);
        assertEquals(want.width() + "x" + want.height(), got.width() + "x" + got.height());
        assertEquals(0, java.util.stream.IntStream.range(0, want.pixels().length)
                .filter(i -> want.pixels()[i] != got.pixels()[i]).count(), "pixels differing from " + expectedPng);
    }
}
