package org.virtfx.engine.devices.vga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.devices.I8042;
import org.virtfx.engine.display.KeyCombos;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.vnc.KeysymMap;
import org.virtfx.engine.vnc.VncServer;

/** VNC key and pointer events through {@link KeysymMap} into the PS/2 keyboard and mouse, read back at port 0x60. */
class VncKeyboardPathTest {
    private static I8042 keyboard(VgaTestRig rig) {
        PhysicalMemory mem = new PhysicalMemory(GuestMemory.allocate(1 << 20), rig.mmio);
        I8042 kbc = new I8042(rig, mem, IrqLine.NONE, IrqLine.NONE);
        kbc.attach(rig.io);
        return kbc;
    }

    private static List<Integer> drain(VgaTestRig rig) {
        List<Integer> bytes = new ArrayList<>();
        while ((rig.in(0x64) & 1) != 0) {
            bytes.add(rig.in(0x60));
        }
        return bytes;
    }

    @Test
    void everyMappedKeysymHasAScancode() {
        VgaTestRig rig = new VgaTestRig();
        I8042 kbc = keyboard(rig);
        int mapped = 0;
        for (int keysym = 0x20; keysym <= 0xFFFF; keysym = keysym == 0x7E ? 0xFE00 : keysym + 1) {
            int code = KeysymMap.toEvdev(keysym);
            if (code >= 0) {
                kbc.key(code, true);
                kbc.key(code, false);
                drain(rig);
                mapped++;
            }
        }
        assertTrue(mapped > 150, "mapped keysyms: " + mapped);
        assertEquals(List.of(), rig.warnings, "evdev codes the PS/2 keyboard does not know");
        for (int f = 1; f <= 12; f++) {
            KeyCombos.send(kbc, KeyCombos.ctrlAltF(f));
        }
        KeyCombos.send(kbc, KeyCombos.CTRL_ALT_DEL);
        KeyCombos.send(kbc, KeyCombos.SYSRQ);
        drain(rig);
        assertEquals(List.of(), rig.warnings);
    }

    @Test
    void vncKeyEventsBecomeSet2Scancodes() throws Exception {
        VgaTestRig rig = new VgaTestRig();
        I8042 kbc = keyboard(rig);
        try (VncServer server = VncServer.onLoopback(0, "kbd", rig.vga, kbc, kbc, null);
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            in.readFully(new byte[12]);
            out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            in.readUnsignedByte();
            in.readUnsignedByte();
            out.writeByte(1);
            in.readInt();
            out.writeByte(1);
            in.readUnsignedShort();
            in.readUnsignedShort();
            in.readFully(new byte[16]);
            in.readFully(new byte[in.readInt()]);
            rig.out(0x64, 0xD4);                 // to the mouse: enable streaming
            rig.out(0x60, 0xF4);
            assertEquals(List.of(0xFA), drain(rig));
            out.write(new byte[] {5, 0, 0, 100, 0, 100});   // pointer at (100, 100): the starting point
            out.write(new byte[] {5, 1, 0, 105, 0, 97});    // left button, 5 right and 3 up
            out.flush();
            List<Integer> packet = new ArrayList<>();
            long mouseUntil = System.nanoTime() + 10_000_000_000L;
            while (packet.size() < 3 && System.nanoTime() < mouseUntil) {
                packet.addAll(drain(rig));
                Thread.sleep(5);
            }
            assertEquals(List.of(0x09, 5, 3), packet, "PS/2 packet: left button, dx 5, dy +3 (up)");
            int[][] events = {{0xFFE3, 1}, {'a', 1}, {'a', 0}, {0xFFE3, 0}};
            for (int[] e : events) {
                out.write(new byte[] {4, (byte) e[1], 0, 0});
                out.writeInt(e[0]);
            }
            out.flush();
            List<Integer> got = new ArrayList<>();
            long until = System.nanoTime() + 10_000_000_000L;
            while (got.size() < 6 && System.nanoTime() < until) {
                got.addAll(drain(rig));
                Thread.sleep(5);
            }
            // Left Ctrl 0x14, A 0x1C; breaks are F0-prefixed (scancode set 2, controller translation off).
            assertEquals(List.of(0x14, 0x1C, 0xF0, 0x1C, 0xF0, 0x14), got);
        }
    }
}
