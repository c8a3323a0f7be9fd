package org.virtfx.engine.devices.vga;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.SerialHub;
import org.virtfx.engine.time.TimerService;
import org.virtfx.engine.time.VirtualClock;

/**
 * A std VGA on its own buses, driven the way a guest drives it: port writes and stores into the 0xA0000 window or the
 * linear framebuffer. The mode tables are the IBM VGA register sets the BIOS programs for modes 3, 12h and 13h.
 */
final class VgaTestRig implements MachineContext {
    static final int[] MODE3_SEQ = {0x03, 0x00, 0x03, 0x00, 0x02};
    static final int[] MODE3_CRTC = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
        0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF};
    static final int[] MODE3_GC = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
    static final int[] MODE3_ATTR = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
        0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00};

    static final int[] MODE12_SEQ = {0x03, 0x01, 0x0F, 0x00, 0x06};
    static final int[] MODE12_CRTC = {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0xEA, 0x0C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF};
    static final int[] MODE12_GC = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF};
    static final int[] MODE12_ATTR = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
        0x3E, 0x3F, 0x01, 0x00, 0x0F, 0x00, 0x00};

    static final int[] MODE13_SEQ = {0x03, 0x01, 0x0F, 0x00, 0x0E};
    static final int[] MODE13_CRTC = {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF};
    static final int[] MODE13_GC = {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF};
    static final int[] MODE13_ATTR = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
        0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00};

    final ReentrantLock lock = new ReentrantLock();
    final VirtualClock clock = new VirtualClock();
    final TimerService timers = new TimerService(clock, lock);
    final IoBus io = new IoBus(lock);
    final MmioBus mmio = new MmioBus(lock);
    final List<String> warnings = new ArrayList<>();
    private final SerialHub[] serial = {new SerialHub("com1"), new SerialHub("com2"), new SerialHub("com3"), new SerialHub("com4")};
    final StdVga vga;

    VgaTestRig() {
        vga = new StdVga(this, io, mmio, null, new byte[] {0x55, (byte) 0xAA, 1});
    }

    void out(int port, int value) {
        io.write(port, 1, value);
    }

    void outw(int port, int value) {
        io.write(port, 2, value);
    }

    int in(int port) {
        return io.read(port, 1);
    }

    void poke(long address, int value) {
        mmio.write(address, 1, value);
    }

    int peek(long address) {
        return (int) mmio.read(address, 1);
    }

    void setMode(int misc, int[] seq, int[] crtc, int[] gc, int[] attr) {
        out(0x3C2, misc);
        for (int i = 0; i < seq.length; i++) {
            out(0x3C4, i);
            out(0x3C5, seq[i]);
        }
        out(0x3D4, 0x11);
        out(0x3D5, 0x00); // unlock CRTC 0-7
        for (int i = 0; i < crtc.length; i++) {
            out(0x3D4, i);
            out(0x3D5, crtc[i]);
        }
        for (int i = 0; i < gc.length; i++) {
            out(0x3CE, i);
            out(0x3CF, gc[i]);
        }
        in(0x3DA);
        for (int i = 0; i < attr.length; i++) {
            out(0x3C0, i);
            out(0x3C0, attr[i]);
        }
        out(0x3C0, 0x20); // palette address source: screen on
    }

    void setDac(int index, int r, int g, int b) {
        out(0x3C8, index);
        out(0x3C9, r);
        out(0x3C9, g);
        out(0x3C9, b);
    }

    void dispi(int index, int value) {
        outw(0x1CE, index);
        outw(0x1CF, value);
    }

    int dispiRead(int index) {
        outw(0x1CE, index);
        return io.read(0x1CF, 2);
    }

    @Override
    public String name() {
        return "vga-test";
    }

    @Override
    public ReentrantLock deviceLock() {
        return lock;
    }

    @Override
    public VirtualClock clock() {
        return clock;
    }

    @Override
    public TimerService timers() {
        return timers;
    }

    @Override
    public SerialHub serial(int index) {
        return serial[index];
    }

    @Override
    public void guestPowerOff(int exitCode) {
    }

    @Override
    public void guestReset() {
    }

    @Override
    public void guestCrash(String reason) {
    }

    @Override
    public void warnOnce(String message) {
        warnings.add(message);
    }
}
