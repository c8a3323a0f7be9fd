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
import org.virtfx.engine.time.TimerService;

/**
 * The 8042 keyboard controller (data 0x60, status/command 0x64) with a PS/2 keyboard on its first port (IRQ 1) and a
 * PS/2 mouse with IntelliMouse wheel on its auxiliary port (IRQ 12). The controller implements the command byte,
 * self-tests, interface enable/disable, the output port (A20 gate, reset line), output-buffer writes and the pulse
 * command 0xFE that resets the machine; with command-byte bit 6 it translates the keyboard's set-2 scancodes to set 1
 * as the real chip does. Host keys arrive as Linux evdev codes and become scancodes through {@link Ps2Scancodes}
 * (sets 1, 2 and 3). The keyboard repeats the last key the host holds at the typematic delay and rate the guest set
 * with 0xF3 (a host's own autorepeat presses are dropped, so the guest's rate applies); in set 3 the per-key modes of
 * commands 0xF7-0xFD decide which keys repeat and which send break codes.
 */
public final class I8042 implements PortDevice, KeyboardInput, PointerInput, Snapshottable {
    private static final int QUEUE_LIMIT = 256;
    private static final int CTR_KBD_INT = 0x01, CTR_AUX_INT = 0x02, CTR_SYS = 0x04, CTR_KBD_DISABLE = 0x10,
            CTR_AUX_DISABLE = 0x20, CTR_TRANSLATE = 0x40;
    static final int MODE_TYPEMATIC = 1, MODE_BREAK = 2;

    /**
     * The evdev code of a PC/XT (set 1) keycode as the QEMU extended key event carries it: one-byte make codes as
     * they are, E0-prefixed ones as {@code 0x80 | second byte}. -1 when this keyboard has no such key.
     */
    public static int evdevOfXtKeycode(int keycode) {
        return Ps2Scancodes.evdevOfXt(keycode);
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
    /** Set-3 per-key modes, by set-3 code: {@link #MODE_TYPEMATIC} and {@link #MODE_BREAK} (F7-FD commands). */
    private final byte[] keyModes = new byte[256];
    /** The key the keyboard repeats while the host holds it (the last one pressed), or 0. */
    private int repeatKey;
    private final TimerService.Timer typematicTimer;

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
        this.typematicTimer = ctx.timers().newTimer("i8042-typematic", this::repeat);
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
        setAllKeyModes(MODE_TYPEMATIC | MODE_BREAK);
        stopRepeat();
    }

    private void setAllKeyModes(int mode) {
        java.util.Arrays.fill(keyModes, (byte) mode);
    }

    private void stopRepeat() {
        repeatKey = 0;
        typematicTimer.cancel();
    }

    /** Typematic delay from the 0xF3 byte: bits 5-6 give 250-1000 ms. */
    static long typematicDelayNanos(int typematic) {
        return (((typematic >> 5) & 3) + 1) * 250_000_000L;
    }

    /** Typematic period from the 0xF3 byte: (8 + bits 0-2) * 2^(bits 3-4) / 240 s, i.e. 30 down to 2 keys a second. */
    static long typematicPeriodNanos(int typematic) {
        return (8L + (typematic & 7)) * (1L << ((typematic >> 3) & 3)) * 1_000_000_000L / 240;
    }

    /** Timer callback (device lock held): the held key's make code again. */
    private void repeat() {
        if (repeatKey == 0 || !kbdScanning) {
            return;
        }
        queueKeyboard(Ps2Scancodes.sequence(repeatKey, true, scancodeSet));
        typematicTimer.armAfter(typematicPeriodNanos(typematic));
    }

    /** Whether a key repeats and sends a break code: always in sets 1 and 2, per its mode in set 3. */
    private int modeOf(int evdev) {
        return scancodeSet == 3 ? keyModes[Ps2Scancodes.set3(evdev)] : MODE_TYPEMATIC | MODE_BREAK;
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
                    b = Ps2Scancodes.translate(b) | (translateBreak ? 0x80 : 0);
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
                        scancodeSet = value;
                        stopRepeat();
                        queueKeyboard(0xFA);
                    } else {
                        queueKeyboard(0xFE);
                    }
                    return;
                }
                default -> {
                    // 0xFB-0xFD: set-3 codes of the keys that get the mode, until the next command byte
                    if (value < 0xED) {
                        keyModes[value] = (byte) (cmd == 0xFB ? MODE_TYPEMATIC : cmd == 0xFC ? MODE_BREAK : 0);
                        kbdPendingCommand = cmd;
                        queueKeyboard(0xFA);
                        return;
                    }
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
            case 0xF7, 0xF8, 0xF9, 0xFA -> {
                // set 3: every key typematic only, make/break, make only, or typematic and make/break
                setAllKeyModes(value == 0xF7 ? MODE_TYPEMATIC : value == 0xF8 ? MODE_BREAK : value == 0xF9 ? 0
                        : MODE_TYPEMATIC | MODE_BREAK);
                queueKeyboard(0xFA);
            }
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
            if (!Ps2Scancodes.known(evdevCode)) {
                ctx.warnOnce("PS/2 keyboard: no scancode for evdev key " + evdevCode);
                return;
            }
            if (!kbdScanning) {
                return;
            }
            int mode = modeOf(evdevCode);
            if (pressed) {
                if (evdevCode == repeatKey) {
                    return;   // the host's own autorepeat: the keyboard repeats at the rate the guest chose instead
                }
                queueKeyboard(Ps2Scancodes.sequence(evdevCode, true, scancodeSet));
                stopRepeat();
                if ((mode & MODE_TYPEMATIC) != 0 && evdevCode != Ps2Scancodes.KEY_PAUSE) {
                    repeatKey = evdevCode;
                    typematicTimer.armAfter(typematicDelayNanos(typematic));
                }
                return;
            }
            if (evdevCode == repeatKey) {
                stopRepeat();
            }
            if ((mode & MODE_BREAK) != 0) {
                queueKeyboard(Ps2Scancodes.sequence(evdevCode, false, scancodeSet));
            }
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
        out.writeBytes(keyModes.clone()).writeInt(repeatKey);
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
        int set = in.readInt();
        scancodeSet = set == 1 || set == 3 ? set : 2;
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
        byte[] modes = in.readBytes(keyModes.length);
        for (int i = 0; i < keyModes.length; i++) {
            keyModes[i] = (byte) (modes[i] & (MODE_TYPEMATIC | MODE_BREAK));
        }
        int held = in.readInt();
        stopRepeat();
        if (held > 0 && held < Ps2Scancodes.MAX_CODE && Ps2Scancodes.known(held)) {
            repeatKey = held;   // still held: repeating resumes after the delay, as after a fresh press
            typematicTimer.armAfter(typematicDelayNanos(typematic));
        }
        updateIrq();
    }
}
