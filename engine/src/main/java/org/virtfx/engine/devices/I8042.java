package org.virtfx.engine.devices;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.PortDevice;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The 8042 keyboard controller (data 0x60, status/command 0x64) with a PS/2 keyboard on its first port (IRQ 1) and a
 * PS/2 mouse with IntelliMouse wheel on its auxiliary port (IRQ 12). The controller implements the command byte,
 * self-tests, interface enable/disable, the output port (A20 gate, reset line), output-buffer writes and the pulse
 * command 0xFE that resets the machine; with command-byte bit 6 it translates the keyboard's set-2 scancodes to set 1
 * as the real chip does. Host keys arrive as Linux evdev codes and become scancodes through {@link Keys}, the one
 * key table (set 1 and set 2 codes per key, including the E0 keys and the Pause / PrintScreen sequences).
 */
public final class I8042 implements PortDevice, KeyboardInput, PointerInput, Snapshottable {
    private static final int QUEUE_LIMIT = 256;
    private static final int CTR_KBD_INT = 0x01, CTR_AUX_INT = 0x02, CTR_SYS = 0x04, CTR_KBD_DISABLE = 0x10,
            CTR_AUX_DISABLE = 0x20, CTR_TRANSLATE = 0x40;

    /** evdev key code -> scancodes. One row per key: evdev, set-1 code, set-2 code, 1 if E0-prefixed. */
    static final class Keys {
        private static final int[][] TABLE = {
            {1, 0x01, 0x76, 0}, {2, 0x02, 0x16, 0}, {3, 0x03, 0x1E, 0}, {4, 0x04, 0x26, 0}, {5, 0x05, 0x25, 0},
            {6, 0x06, 0x2E, 0}, {7, 0x07, 0x36, 0}, {8, 0x08, 0x3D, 0}, {9, 0x09, 0x3E, 0}, {10, 0x0A, 0x46, 0},
            {11, 0x0B, 0x45, 0}, {12, 0x0C, 0x4E, 0}, {13, 0x0D, 0x55, 0}, {14, 0x0E, 0x66, 0}, {15, 0x0F, 0x0D, 0},
            {16, 0x10, 0x15, 0}, {17, 0x11, 0x1D, 0}, {18, 0x12, 0x24, 0}, {19, 0x13, 0x2D, 0}, {20, 0x14, 0x2C, 0},
            {21, 0x15, 0x35, 0}, {22, 0x16, 0x3C, 0}, {23, 0x17, 0x43, 0}, {24, 0x18, 0x44, 0}, {25, 0x19, 0x4D, 0},
            {26, 0x1A, 0x54, 0}, {27, 0x1B, 0x5B, 0}, {28, 0x1C, 0x5A, 0}, {29, 0x1D, 0x14, 0}, {30, 0x1E, 0x1C, 0},
            {31, 0x1F, 0x1B, 0}, {32, 0x20, 0x23, 0}, {33, 0x21, 0x2B, 0}, {34, 0x22, 0x34, 0}, {35, 0x23, 0x33, 0},
            {36, 0x24, 0x3B, 0}, {37, 0x25, 0x42, 0}, {38, 0x26, 0x4B, 0}, {39, 0x27, 0x4C, 0}, {40, 0x28, 0x52, 0},
            {41, 0x29, 0x0E, 0}, {42, 0x2A, 0x12, 0}, {43, 0x2B, 0x5D, 0}, {44, 0x2C, 0x1A, 0}, {45, 0x2D, 0x22, 0},
            {46, 0x2E, 0x21, 0}, {47, 0x2F, 0x2A, 0}, {48, 0x30, 0x32, 0}, {49, 0x31, 0x31, 0}, {50, 0x32, 0x3A, 0},
            {51, 0x33, 0x41, 0}, {52, 0x34, 0x49, 0}, {53, 0x35, 0x4A, 0}, {54, 0x36, 0x59, 0}, {55, 0x37, 0x7C, 0},
            {56, 0x38, 0x11, 0}, {57, 0x39, 0x29, 0}, {58, 0x3A, 0x58, 0}, {59, 0x3B, 0x05, 0}, {60, 0x3C, 0x06, 0},
            {61, 0x3D, 0x04, 0}, {62, 0x3E, 0x0C, 0}, {63, 0x3F, 0x03, 0}, {64, 0x40, 0x0B, 0}, {65, 0x41, 0x83, 0},
            {66, 0x42, 0x0A, 0}, {67, 0x43, 0x01, 0}, {68, 0x44, 0x09, 0}, {69, 0x45, 0x77, 0}, {70, 0x46, 0x7E, 0},
            {71, 0x47, 0x6C, 0}, {72, 0x48, 0x75, 0}, {73, 0x49, 0x7D, 0}, {74, 0x4A, 0x7B, 0}, {75, 0x4B, 0x6B, 0},
            {76, 0x4C, 0x73, 0}, {77, 0x4D, 0x74, 0}, {78, 0x4E, 0x79, 0}, {79, 0x4F, 0x69, 0}, {80, 0x50, 0x72, 0},
            {81, 0x51, 0x7A, 0}, {82, 0x52, 0x70, 0}, {83, 0x53, 0x71, 0}, {86, 0x56, 0x61, 0}, {87, 0x57, 0x78, 0},
            {88, 0x58, 0x07, 0}, {89, 0x73, 0x51, 0}, {92, 0x79, 0x64, 0}, {94, 0x7B, 0x67, 0}, {124, 0x7D, 0x6A, 0},
            {96, 0x1C, 0x5A, 1}, {97, 0x1D, 0x14, 1}, {98, 0x35, 0x4A, 1}, {100, 0x38, 0x11, 1}, {102, 0x47, 0x6C, 1},
            {103, 0x48, 0x75, 1}, {104, 0x49, 0x7D, 1}, {105, 0x4B, 0x6B, 1}, {106, 0x4D, 0x74, 1},
            {107, 0x4F, 0x69, 1}, {108, 0x50, 0x72, 1}, {109, 0x51, 0x7A, 1}, {110, 0x52, 0x70, 1},
            {111, 0x53, 0x71, 1}, {113, 0x20, 0x23, 1}, {114, 0x2E, 0x21, 1}, {115, 0x30, 0x32, 1},
            {116, 0x5E, 0x37, 1}, {125, 0x5B, 0x1F, 1}, {126, 0x5C, 0x27, 1}, {127, 0x5D, 0x2F, 1},
        };
        static final int KEY_SYSRQ = 99;
        static final int KEY_PAUSE = 119;
        static final int MAX_CODE = 256;
        private static final int[] SET1 = new int[MAX_CODE];
        private static final int[] SET2 = new int[MAX_CODE];
        private static final boolean[] EXTENDED = new boolean[MAX_CODE];
        /** The controller's set-2 to set-1 translation, derived from the table (unlisted bytes pass unchanged). */
        private static final int[] TRANSLATE = new int[256];
        /** Set-1 make code (E0 keys: 0x80 | second byte, as RFB's QEMU extended key events encode them) -> evdev. */
        private static final int[] FROM_XT = new int[256];

        static {
            for (int i = 0; i < 256; i++) {
                TRANSLATE[i] = i;
            }
            for (int[] row : TABLE) {
                SET1[row[0]] = row[1];
                SET2[row[0]] = row[2];
                EXTENDED[row[0]] = row[3] != 0;
                TRANSLATE[row[2]] = row[1];
                FROM_XT[row[1] | (row[3] != 0 ? 0x80 : 0)] = row[0];
            }
            FROM_XT[0x80 | 0x37] = KEY_SYSRQ;   // E0 37, PrintScreen's own make code
            FROM_XT[0x80 | 0x46] = KEY_PAUSE;   // E0 46 (Ctrl+Break), which QEMU's keycodes use for Pause
            // PrintScreen's fake-shift byte (set 2 0x12 = left shift) and Pause's 0x77 / 0x14 are already covered.
        }

        private Keys() {
        }

        static boolean known(int evdev) {
            return evdev == KEY_SYSRQ || evdev == KEY_PAUSE || (evdev > 0 && evdev < MAX_CODE && SET2[evdev] != 0);
        }

        /** The bytes the keyboard sends for a key in scancode set {@code set} (1 or 2). */
        static int[] sequence(int evdev, boolean pressed, int set) {
            if (evdev == KEY_PAUSE) {
                if (!pressed) {
                    return new int[0];   // Pause has no break code
                }
                return set == 1 ? new int[] {0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5}
                        : new int[] {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77};
            }
            if (evdev == KEY_SYSRQ) {
                if (set == 1) {
                    return pressed ? new int[] {0xE0, 0x2A, 0xE0, 0x37} : new int[] {0xE0, 0xB7, 0xE0, 0xAA};
                }
                return pressed ? new int[] {0xE0, 0x12, 0xE0, 0x7C} : new int[] {0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12};
            }
            boolean e0 = EXTENDED[evdev];
            if (set == 1) {
                int code = SET1[evdev] | (pressed ? 0 : 0x80);
                return e0 ? new int[] {0xE0, code} : new int[] {code};
            }
            int code = SET2[evdev];
            if (pressed) {
                return e0 ? new int[] {0xE0, code} : new int[] {code};
            }
            return e0 ? new int[] {0xE0, 0xF0, code} : new int[] {0xF0, code};
        }

        static int translate(int set2Byte) {
            return TRANSLATE[set2Byte & 0xFF];
        }
    }

    /**
     * The evdev code of a PC/XT (set 1) keycode as the QEMU extended key event carries it: one-byte make codes as
     * they are, E0-prefixed ones as {@code 0x80 | second byte}. -1 when this keyboard has no such key.
     */
    public static int evdevOfXtKeycode(int keycode) {
        int code = keycode > 0 && keycode < 256 ? Keys.FROM_XT[keycode] : 0;
        return code == 0 ? -1 : code;
    }

    private final MachineContext ctx;
    private final PhysicalMemory memory;
    private final IrqLine irq1;
    private final IrqLine irq12;

    // controller
    private int ctr;
    private int pendingCommand;          // controller command awaiting its data byte, or 0
    private boolean lastWriteWasCommand;
    private int outByte;
    private boolean obf;
    private boolean obfAux;
    private boolean translateBreak;      // a set-2 F0 prefix seen while translating
    private final ArrayDeque<Integer> controllerQueue = new ArrayDeque<>();   // bit 8 set = aux source
    private final ArrayDeque<Integer> kbdQueue = new ArrayDeque<>();
    private final ArrayDeque<Integer> auxQueue = new ArrayDeque<>();

    // keyboard
    private int kbdPendingCommand;
    private int scancodeSet;
    private boolean kbdScanning;
    private int leds;
    private int typematic;
    private int lastKbdByte;

    // mouse
    private int auxPendingCommand;
    private boolean mouseStreaming;     // reporting enabled (0xF4)
    private boolean mouseRemote;
    private boolean mouseWrap;
    private boolean mouseScale21;
    private int mouseResolution;
    private int mouseSampleRate;
    private int mouseId;
    private final int[] lastRates = new int[3];
    private int mouseButtons;

    public I8042(MachineContext ctx, PhysicalMemory memory, IrqLine irq1, IrqLine irq12) {
        this.ctx = Objects.requireNonNull(ctx);
        this.memory = Objects.requireNonNull(memory);
        this.irq1 = Objects.requireNonNull(irq1);
        this.irq12 = Objects.requireNonNull(irq12);
        reset();
    }

    public void attach(IoBus io) {
        io.register(0x60, 1, "i8042-data", this);
        io.register(0x64, 1, "i8042-cmd", this);
    }

    public void reset() {
        ctr = CTR_KBD_INT | CTR_AUX_INT;
        pendingCommand = 0;
        lastWriteWasCommand = true;
        obf = false;
        obfAux = false;
        translateBreak = false;
        controllerQueue.clear();
        kbdQueue.clear();
        auxQueue.clear();
        resetKeyboard();
        resetMouse();
        updateIrq();
    }

    private void resetKeyboard() {
        kbdPendingCommand = 0;
        scancodeSet = 2;
        kbdScanning = true;
        leds = 0;
        typematic = 0x2B;   // 10.9 cps, 500 ms
        lastKbdByte = 0;
    }

    private void resetMouse() {
        auxPendingCommand = 0;
        mouseStreaming = false;
        mouseRemote = false;
        mouseWrap = false;
        mouseScale21 = false;
        mouseResolution = 2;
        mouseSampleRate = 100;
        mouseId = 0;
        lastRates[0] = lastRates[1] = lastRates[2] = 0;
        mouseButtons = 0;
    }

    // ------------------------------------------------------------------ output buffer

    private void queueController(int b, boolean aux) {
        if (controllerQueue.size() < QUEUE_LIMIT) {
            controllerQueue.add((b & 0xFF) | (aux ? 0x100 : 0));
        }
        refill();
    }

    private void queueKeyboard(int... bytes) {
        for (int b : bytes) {
            if (kbdQueue.size() >= QUEUE_LIMIT) {
                ctx.warnOnce("PS/2 keyboard buffer full: keys dropped");
                break;
            }
            kbdQueue.add(b & 0xFF);
            lastKbdByte = b & 0xFF;
        }
        refill();
    }

    private void queueAux(int... bytes) {
        for (int b : bytes) {
            if (auxQueue.size() < QUEUE_LIMIT) {
                auxQueue.add(b & 0xFF);
            }
        }
        refill();
    }

    private void refill() {
        while (!obf) {
            if (!controllerQueue.isEmpty()) {
                int e = controllerQueue.poll();
                outByte = e & 0xFF;
                obfAux = (e & 0x100) != 0;
                obf = true;
            } else if ((ctr & CTR_KBD_DISABLE) == 0 && !kbdQueue.isEmpty()) {
                int b = kbdQueue.poll();
                if ((ctr & CTR_TRANSLATE) != 0) {
                    if (b == 0xF0) {
                        translateBreak = true;
                        continue;
                    }
                    b = Keys.translate(b) | (translateBreak ? 0x80 : 0);
                    translateBreak = false;
                }
                outByte = b;
                obfAux = false;
                obf = true;
            } else if ((ctr & CTR_AUX_DISABLE) == 0 && !auxQueue.isEmpty()) {
                outByte = auxQueue.poll();
                obfAux = true;
                obf = true;
            } else {
                break;
            }
        }
        updateIrq();
    }

    private void updateIrq() {
        irq1.set(obf && !obfAux && (ctr & CTR_KBD_INT) != 0);
        irq12.set(obf && obfAux && (ctr & CTR_AUX_INT) != 0);
    }

    // ------------------------------------------------------------------ ports

    @Override
    public int ioRead(int port, int size) {
        if (port == 0x64) {
            return (obf ? 0x01 : 0) | (ctr & CTR_SYS) | (lastWriteWasCommand ? 0x08 : 0) | 0x10 | (obf && obfAux ? 0x20 : 0);
        }
        int v = outByte;
        if (obf) {
            obf = false;
            updateIrq();
            refill();
        }
        return v;
    }

    @Override
    public void ioWrite(int port, int size, int value) {
        value &= 0xFF;
        if (port == 0x64) {
            lastWriteWasCommand = true;
            controllerCommand(value);
        } else {
            lastWriteWasCommand = false;
            controllerData(value);
        }
    }

    private void controllerCommand(int cmd) {
        pendingCommand = 0;
        if (cmd >= 0x20 && cmd <= 0x3F) {
            queueController(cmd == 0x20 ? ctr : 0, false);   // internal RAM: only byte 0 (the command byte) is kept
            return;
        }
        if (cmd >= 0x60 && cmd <= 0x7F) {
            pendingCommand = cmd;
            return;
        }
        if (cmd >= 0xF0) {
            // Pulse output port lines: bit 0 clear in the mask pulses the CPU reset line.
            if ((cmd & 1) == 0) {
                ctx.guestReset();
            }
            return;
        }
        switch (cmd) {
            case 0xA7 -> setCtr(ctr | CTR_AUX_DISABLE);
            case 0xA8 -> setCtr(ctr & ~CTR_AUX_DISABLE);
            case 0xA9, 0xAB -> queueController(0x00, false);   // interface test: no error
            case 0xAA -> {
                ctr |= CTR_SYS;
                queueController(0x55, false);
            }
            case 0xAD -> setCtr(ctr | CTR_KBD_DISABLE);
            case 0xAE -> setCtr(ctr & ~CTR_KBD_DISABLE);
            case 0xC0 -> queueController(0x80, false);   // input port: keyboard not inhibited
            case 0xD0 -> queueController(outputPort(), false);
            case 0xD1, 0xD2, 0xD3, 0xD4 -> pendingCommand = cmd;
            case 0xDD -> memory.setA20(false);
            case 0xDF -> memory.setA20(true);
            case 0xE0 -> queueController(0x00, false);
            default -> ctx.warnOnce(String.format("i8042: unknown controller command 0x%02x", cmd));
        }
    }

    private int outputPort() {
        return 0x01 | (memory.a20Enabled() ? 0x02 : 0) | (obf && !obfAux ? 0x10 : 0) | (obf && obfAux ? 0x20 : 0);
    }

    private void setCtr(int v) {
        ctr = v & 0x77;
        refill();
    }

    private void controllerData(int value) {
        int cmd = pendingCommand;
        pendingCommand = 0;
        if (cmd >= 0x60 && cmd <= 0x7F) {
            if (cmd == 0x60) {
                setCtr(value);
            }
            return;
        }
        switch (cmd) {
            case 0xD1 -> {
                memory.setA20((value & 0x02) != 0);
                if ((value & 0x01) == 0) {
                    ctx.guestReset();
                }
            }
            case 0xD2 -> queueController(value, false);
            case 0xD3 -> queueController(value, true);
            case 0xD4 -> mouseWrite(value);
            default -> keyboardWrite(value);
        }
    }

    // ------------------------------------------------------------------ keyboard

    private void keyboardWrite(int value) {
        // Writing to the keyboard re-enables its interface, as on the real controller.
        ctr &= ~CTR_KBD_DISABLE;
        int cmd = kbdPendingCommand;
        if (cmd != 0) {
            kbdPendingCommand = 0;
            switch (cmd) {
                case 0xED -> {
                    leds = value & 7;
                    queueKeyboard(0xFA);
                    return;
                }
                case 0xF3 -> {
                    typematic = value & 0x7F;
                    queueKeyboard(0xFA);
                    return;
                }
                case 0xF0 -> {
                    if (value == 0) {
                        queueKeyboard(0xFA, scancodeSet);
                    } else if (value >= 1 && value <= 3) {
                        scancodeSet = value == 3 ? 2 : value;
                        if (value == 3) {
                            ctx.warnOnce("PS/2 keyboard: scancode set 3 is not supported; staying in set 2");
                        }
                        queueKeyboard(0xFA);
                    } else {
                        queueKeyboard(0xFE);
                    }
                    return;
                }
                default -> {
                    // 0xFB-0xFD take a key argument (set 3 attributes): acknowledged and ignored.
                    queueKeyboard(0xFA);
                    return;
                }
            }
        }
        switch (value) {
            case 0xED, 0xF3, 0xF0, 0xFB, 0xFC, 0xFD -> {
                kbdPendingCommand = value;
                queueKeyboard(0xFA);
            }
            case 0xEE -> queueKeyboard(0xEE);
            case 0xF2 -> queueKeyboard(0xFA, 0xAB, 0x83);
            case 0xF4 -> {
                kbdScanning = true;
                queueKeyboard(0xFA);
            }
            case 0xF5 -> {
                resetKeyboard();
                kbdScanning = false;
                queueKeyboard(0xFA);
            }
            case 0xF6 -> {
                resetKeyboard();
                queueKeyboard(0xFA);
            }
            case 0xF7, 0xF8, 0xF9, 0xFA -> queueKeyboard(0xFA);
            case 0xFE -> queueKeyboard(lastKbdByte);
            case 0xFF -> {
                resetKeyboard();
                kbdQueue.clear();
                queueKeyboard(0xFA, 0xAA);
            }
            default -> queueKeyboard(0xFE);
        }
    }

    /** The keyboard LEDs the guest set (bit 0 scroll, 1 num, 2 caps lock). */
    public int leds() {
        return leds;
    }

    public int typematicByte() {
        return typematic;
    }

    @Override
    public void key(int evdevCode, boolean pressed) {
        ctx.deviceLock().lock();
        try {
            if (!Keys.known(evdevCode)) {
                ctx.warnOnce("PS/2 keyboard: no scancode for evdev key " + evdevCode);
                return;
            }
            if (!kbdScanning) {
                return;
            }
            // A repeated press (host autorepeat) sends the make code again: that is the typematic repeat.
            queueKeyboard(Keys.sequence(evdevCode, pressed, scancodeSet));
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** Contract name for {@link #key}. */
    public void keyEvent(int evdevCode, boolean pressed) {
        key(evdevCode, pressed);
    }

    // ------------------------------------------------------------------ mouse

    private void mouseWrite(int value) {
        if (mouseWrap && value != 0xEC && value != 0xFF) {
            queueAux(value);
            return;
        }
        int cmd = auxPendingCommand;
        if (cmd != 0) {
            auxPendingCommand = 0;
            if (cmd == 0xF3) {
                mouseSampleRate = value;
                lastRates[0] = lastRates[1];
                lastRates[1] = lastRates[2];
                lastRates[2] = value;
                if (lastRates[0] == 200 && lastRates[1] == 100 && lastRates[2] == 80) {
                    mouseId = 3;   // IntelliMouse knock sequence: wheel enabled
                }
            } else {
                mouseResolution = value & 3;
            }
            queueAux(0xFA);
            return;
        }
        switch (value) {
            case 0xE6 -> {
                mouseScale21 = false;
                queueAux(0xFA);
            }
            case 0xE7 -> {
                mouseScale21 = true;
                queueAux(0xFA);
            }
            case 0xE8, 0xF3 -> {
                auxPendingCommand = value;
                queueAux(0xFA);
            }
            case 0xE9 -> queueAux(0xFA, (mouseRemote ? 0x40 : 0) | (mouseStreaming ? 0x20 : 0)
                    | (mouseScale21 ? 0x10 : 0) | (mouseButtons & 1) << 2 | (mouseButtons & 4) >> 1 | (mouseButtons & 2) >> 1,
                    mouseResolution, mouseSampleRate);
            case 0xEA -> {
                mouseRemote = false;
                queueAux(0xFA);
            }
            case 0xEB -> {
                queueAux(0xFA);
                queueAux(packet(0, 0, 0));
            }
            case 0xEC -> {
                mouseWrap = false;
                queueAux(0xFA);
            }
            case 0xEE -> {
                mouseWrap = true;
                queueAux(0xFA);
            }
            case 0xF0 -> {
                mouseRemote = true;
                queueAux(0xFA);
            }
            case 0xF2 -> queueAux(0xFA, mouseId);
            case 0xF4 -> {
                mouseStreaming = true;
                queueAux(0xFA);
            }
            case 0xF5 -> {
                mouseStreaming = false;
                queueAux(0xFA);
            }
            case 0xF6 -> {
                int id = mouseId;
                resetMouse();
                mouseId = id;
                queueAux(0xFA);
            }
            case 0xFF -> {
                resetMouse();
                auxQueue.clear();
                queueAux(0xFA, 0xAA, 0x00);
            }
            default -> queueAux(0xFE);
        }
    }

    private int[] packet(int dx, int dy, int dz) {
        int b0 = 0x08 | (mouseButtons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0);
        if (mouseId == 3) {
            return new int[] {b0, dx & 0xFF, dy & 0xFF, dz & 0xFF};
        }
        return new int[] {b0, dx & 0xFF, dy & 0xFF};
    }

    /**
     * Host mouse motion: {@code dy} positive is down (screen), {@code wheel} positive scrolls down, buttons bit 0 left,
     * 1 right, 2 middle. Large motions are split into several packets.
     */
    @Override
    public void relative(int dx, int dy, int wheel, int buttons) {
        ctx.deviceLock().lock();
        try {
            boolean buttonsChanged = (buttons & 7) != mouseButtons;
            mouseButtons = buttons & 7;
            if (!mouseStreaming || mouseRemote) {
                return;
            }
            int y = -dy;   // PS/2 counts up as positive
            int z = mouseId == 3 ? Math.max(-8, Math.min(7, wheel)) : 0;
            boolean first = true;
            while (first || dx != 0 || y != 0) {
                if (!first && auxQueue.size() > QUEUE_LIMIT - 8) {
                    break;   // the guest is not reading: drop the rest of the motion
                }
                int px = Math.max(-255, Math.min(255, dx));
                int py = Math.max(-255, Math.min(255, y));
                if (!first || px != 0 || py != 0 || z != 0 || buttonsChanged) {
                    queueAux(packet(px, py, first ? z : 0));
                }
                dx -= px;
                y -= py;
                first = false;
            }
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** Contract name for {@link #relative}. */
    public void mouseEvent(int dx, int dy, int dz, int buttons) {
        relative(dx, dy, dz, buttons);
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return "i8042";
    }

    private static int[] toArray(ArrayDeque<Integer> q) {
        return q.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void fill(ArrayDeque<Integer> q, int[] values, int mask) {
        q.clear();
        for (int i = 0; i < Math.min(values.length, QUEUE_LIMIT); i++) {
            q.add(values[i] & mask);
        }
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(ctr).writeInt(pendingCommand).writeBoolean(lastWriteWasCommand).writeInt(outByte)
                .writeBoolean(obf).writeBoolean(obfAux).writeBoolean(translateBreak);
        out.writeInts(toArray(controllerQueue)).writeInts(toArray(kbdQueue)).writeInts(toArray(auxQueue));
        out.writeInt(kbdPendingCommand).writeInt(scancodeSet).writeBoolean(kbdScanning).writeInt(leds)
                .writeInt(typematic).writeInt(lastKbdByte);
        out.writeInt(auxPendingCommand).writeBoolean(mouseStreaming).writeBoolean(mouseRemote)
                .writeBoolean(mouseWrap).writeBoolean(mouseScale21).writeInt(mouseResolution)
                .writeInt(mouseSampleRate).writeInt(mouseId).writeInts(lastRates.clone()).writeInt(mouseButtons);
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        ctr = in.readInt() & 0x77;
        pendingCommand = in.readInt() & 0xFF;
        lastWriteWasCommand = in.readBoolean();
        outByte = in.readInt() & 0xFF;
        obf = in.readBoolean();
        obfAux = in.readBoolean();
        translateBreak = in.readBoolean();
        fill(controllerQueue, in.readInts(), 0x1FF);
        fill(kbdQueue, in.readInts(), 0xFF);
        fill(auxQueue, in.readInts(), 0xFF);
        kbdPendingCommand = in.readInt() & 0xFF;
        scancodeSet = in.readInt() == 1 ? 1 : 2;
        kbdScanning = in.readBoolean();
        leds = in.readInt() & 7;
        typematic = in.readInt() & 0x7F;
        lastKbdByte = in.readInt() & 0xFF;
        auxPendingCommand = in.readInt() & 0xFF;
        mouseStreaming = in.readBoolean();
        mouseRemote = in.readBoolean();
        mouseWrap = in.readBoolean();
        mouseScale21 = in.readBoolean();
        mouseResolution = in.readInt() & 3;
        mouseSampleRate = in.readInt() & 0xFF;
        mouseId = in.readInt() == 3 ? 3 : 0;
        int[] rates = in.readInts();
        for (int i = 0; i < 3; i++) {
            lastRates[i] = i < rates.length ? rates[i] & 0xFF : 0;
        }
        mouseButtons = in.readInt() & 7;
        updateIrq();
    }
}
