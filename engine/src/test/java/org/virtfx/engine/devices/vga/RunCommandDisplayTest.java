package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.cli.RunCommand;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PngWriter;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.cpu.Vcpu;
import picocli.CommandLine;

/** `virtfx run` with a board that has only a std VGA in text mode (and a keyboard that powers off on any key). */
class RunCommandDisplayTest {
    @TempDir
    Path tmp;

    final List<Integer> keys = new CopyOnWriteArrayList<>();

    private BoardFactory vgaBoard() {
        return (config, ctx) -> {
            IoBus io = new IoBus(ctx.deviceLock());
            MmioBus mmio = new MmioBus(ctx.deviceLock());
            StdVga vga = new StdVga(ctx, io, mmio, null, null);
            io.write(0x3C2, 1, 0x67);
            int[][] regs = {VgaTestRig.MODE3_SEQ, VgaTestRig.MODE3_CRTC, VgaTestRig.MODE3_GC};
            int[] index = {0x3C4, 0x3D4, 0x3CE};
            for (int g = 0; g < 3; g++) {
                for (int i = 0; i < regs[g].length; i++) {
                    io.write(index[g], 1, i);
                    io.write(index[g] + 1, 1, regs[g][i]);
                }
            }
            io.read(0x3DA, 1);
            for (int i = 0; i < VgaTestRig.MODE3_ATTR.length; i++) {
                io.write(0x3C0, 1, i);
                io.write(0x3C0, 1, VgaTestRig.MODE3_ATTR[i]);
            }
            io.write(0x3C0, 1, 0x20);
            String msg = "HELLO FROM THE GUEST";
            for (int i = 0; i < msg.length(); i++) {
                mmio.write(0xB8000 + 2 * i, 2, 0x0700 | msg.charAt(i));
            }
            KeyboardInput keyboard = (code, pressed) -> {
                keys.add(code);
                ctx.guestPowerOff(0);
            };
            return new Board() {
                @Override
                public List<? extends Vcpu> vcpus() {
                    return List.of();
                }

                @Override
                public void reset() {
                    vga.reset();
                }

                @Override
                public boolean pressPowerButton() {
                    return false;
                }

                @Override
                public <T> Optional<T> lookup(Class<T> type) {
                    if (type.isInstance(vga)) {
                        return Optional.of(type.cast(vga));
                    }
                    return type.isInstance(keyboard) ? Optional.of(type.cast(keyboard)) : Optional.empty();
                }

                @Override
                public void close() {
                    vga.close();
                }
            };
        };
    }

    @Test
    void expectScreenMatchesTextAndScreenshotIsWritten() throws Exception {
        Path shot = tmp.resolve("screen.png");
        StringWriter err = new StringWriter();
        int status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--expect-screen", "HELLO FROM THE G[U]EST", "--timeout", "30", "--screenshot", shot.toString());
        assertEquals(0, status, err.toString());
        var img = PngWriter.read(shot);
        assertEquals(720, img.width());
        assertEquals(400, img.height());
    }

    @Test
    void keysAreTypedOnceTheScreenMatches() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--send-keys-after", "FROM THE GUEST:shift-q", "--timeout", "30");
        assertEquals(0, status, "the board powers off on a key: " + err);
        assertEquals(List.of(42, 16, 16, 42), keys, "Shift+Q pressed in order, released in reverse");
    }

    @Test
    void keysWaitForTheirScreenAndBadKeyNamesAreRefused() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--send-keys-after", "NOT ON SCREEN:ret", "--timeout", "2");
        assertEquals(2, status, err.toString());
        assertTrue(err.toString().contains("waiting for the screen to match 'NOT ON SCREEN'"), err.toString());
        assertEquals(List.of(), keys);
        err.getBuffer().setLength(0);
        status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--send-keys-after", "HELLO:ret enterr", "--timeout", "2");
        assertEquals(1, status);
        assertTrue(err.toString().contains("unknown key 'enterr'"), err.toString());
        err.getBuffer().setLength(0);
        status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--send-keys-after", "HELLO", "--timeout", "2");
        assertEquals(1, status);
        assertTrue(err.toString().contains("expected REGEX:KEYS"), err.toString());
    }

    @Test
    void vncPasswordFileIsChecked() throws Exception {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--vnc-password-file", tmp.resolve("pw").toString(), "--timeout", "1");
        assertEquals(1, status);
        assertTrue(err.toString().contains("--vnc-password-file needs --display vnc:PORT"), err.toString());
        err.getBuffer().setLength(0);
        status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--display", "vnc:0", "--vnc-password-file", tmp.resolve("missing").toString(), "--timeout", "1");
        assertEquals(1, status);
        assertTrue(err.toString().contains("no such file"), err.toString());
        java.nio.file.Files.writeString(tmp.resolve("empty"), "\n");
        err.getBuffer().setLength(0);
        status = new CommandLine(new RunCommand(vgaBoard())).setErr(new PrintWriter(err))
                .execute("--display", "vnc:0", "--vnc-password-file", tmp.resolve("empty").toString(), "--timeout", "1");
        assertEquals(1, status);
        assertTrue(err.toString().contains("has no password"), err.toString());
    }

    @Test
    void vncServerStartsWithTheMachineAndForwardsKeys() throws Exception {
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> new CommandLine(new RunCommand(vgaBoard()))
                .setErr(new PrintWriter(err, true)).execute("--display", "vnc:0", "--timeout", "60"));
        Pattern announced = Pattern.compile("VNC server on 127\\.0\\.0\\.1:(\\d+)");
        Matcher m = announced.matcher("");
        boolean found = false;
        long until = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < until && !found) {
            m = announced.matcher(err.toString());
            found = m.find();
            Thread.sleep(found ? 0 : 20);
        }
        assertTrue(found, "no VNC announcement in: " + err);
        int port = Integer.parseInt(m.group(1));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] version = new byte[12];
            in.readFully(version);
            assertEquals("RFB 003.008\n", new String(version, StandardCharsets.US_ASCII));
            out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, in.readUnsignedByte());
            assertEquals(1, in.readUnsignedByte(), "security None without a password file");
            out.writeByte(1);
            assertEquals(0, in.readInt());
            out.writeByte(1);
            assertEquals(720, in.readUnsignedShort());
            assertEquals(400, in.readUnsignedShort());
            out.write(new byte[] {4, 1, 0, 0, 0, 0, 0, 'q'});   // KeyEvent 'q' down
            out.flush();
            assertEquals(0, run.get(30, TimeUnit.SECONDS), err.toString());
        }
        assertEquals(List.of(16), keys);
    }
}
