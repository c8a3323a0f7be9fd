package org.virtfx.engine.virtio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The virtio input device (VIRTIO 1.x section 5.8) as a tablet, a keyboard or a mouse, the three that QEMU's
 * {@code virtio-tablet-pci}, {@code virtio-keyboard-pci} and {@code virtio-mouse-pci} present. Linux's virtio_input
 * driver reads what the device can do from the configuration space (a {@code select}/{@code subsel} pair chooses
 * which string, id block, bitmap or axis description appears in the union behind them) and registers an evdev device
 * from it. Events travel as 8-byte {@code virtio_input_event}s ({@code le16 type, le16 code, le32 value}) in the
 * buffers the driver posts on the event queue, each report closed by EV_SYN/SYN_REPORT. The driver sends LED changes
 * on the status queue; the device takes them and keeps the LED state.
 *
 * <p>Reports the host produces while the driver has posted no buffers wait in a bounded queue; when it is full the
 * oldest whole report is dropped, so the guest never sees half a report. Host input arrives on viewer threads and is
 * handled under the machine's device lock.
 */
public final class VirtioInput extends VirtioDevice {
    public static final int DEVICE_ID = 18;
    public static final int EVENTQ = 0;
    public static final int STATUSQ = 1;
    public static final int QUEUE_SIZE = 64;
    public static final int EVENT_SIZE = 8;
    /** Reports kept while the guest has no buffers; a second of fast mouse motion fits. */
    public static final int MAX_PENDING_REPORTS = 128;

    // configuration select values (5.8.5)
    public static final int CFG_UNSET = 0x00;
    public static final int CFG_ID_NAME = 0x01;
    public static final int CFG_ID_SERIAL = 0x02;
    public static final int CFG_ID_DEVIDS = 0x03;
    public static final int CFG_PROP_BITS = 0x10;
    public static final int CFG_EV_BITS = 0x11;
    public static final int CFG_ABS_INFO = 0x12;
    /** Offset of the union in struct virtio_input_config (select, subsel, size, 5 reserved bytes). */
    public static final int CFG_UNION = 8;
    public static final int CFG_UNION_SIZE = 128;

    // linux/input-event-codes.h
    public static final int EV_SYN = 0x00;
    public static final int EV_KEY = 0x01;
    public static final int EV_REL = 0x02;
    public static final int EV_ABS = 0x03;
    public static final int EV_LED = 0x11;
    public static final int EV_REP = 0x14;
    public static final int SYN_REPORT = 0;
    public static final int REL_X = 0x00;
    public static final int REL_Y = 0x01;
    public static final int REL_WHEEL = 0x08;
    public static final int ABS_X = 0x00;
    public static final int ABS_Y = 0x01;
    public static final int BTN_LEFT = 0x110;
    public static final int BTN_RIGHT = 0x111;
    public static final int BTN_MIDDLE = 0x112;
    /** Keyboard keys are evdev codes 1 (KEY_ESC) .. 0xF7; buttons start at 0x100. */
    public static final int LAST_KEYBOARD_KEY = 0xF7;
    public static final int LED_COUNT = 3;   // NUML, CAPSL, SCROLLL
    public static final int BUS_VIRTUAL = 0x06;
    /** QEMU's vendor id for its virtio input devices; products 1 keyboard, 2 mouse, 3 tablet. */
    public static final int VENDOR = 0x0627;
    /** Absolute axes run 0..ABS_MAX, QEMU's range (INPUT_EVENT_ABS_MAX). */
    public static final int ABS_MAX = 0x7FFF;

    /** What the device is, with its evdev identity. */
    public enum Kind {
        KEYBOARD("VirtFX Keyboard", 1), MOUSE("VirtFX Mouse", 2), TABLET("VirtFX Tablet", 3);

        private final String deviceName;
        private final int product;

        Kind(String deviceName, int product) {
            this.deviceName = deviceName;
            this.product = product;
        }

        public String deviceName() {
            return deviceName;
        }

        /** "tablet", "keyboard", "mouse": the names `virtfx run --input` and VM definitions use. */
        public String optionName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind called {@code name}; another name is an error listing the three. */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.optionName().equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("input device '" + name + "' is not emulated (emulated: tablet, keyboard, "
                    + "mouse)");
        }
    }

    private final MachineContext ctx;
    private final Kind kind;
    private final String serial;
    private int select;
    private int subsel;
    /** The union as the current select/subsel fill it; its length is the size field. */
    private byte[] selected = new byte[0];
    /** Reports not yet delivered, each a run of (type, code, value) triples ending with SYN_REPORT. */
    private final ArrayDeque<int[]> pending = new ArrayDeque<>();
    /** How many events of the first pending report the guest already has. */
    private int delivered;
    private int leds;
    private int buttons;

    /** @param serial the ID_SERIAL string (printable ASCII, at most 128 bytes) */
    public VirtioInput(MachineContext ctx, Kind kind, String serial) {
        this.ctx = Objects.requireNonNull(ctx);
        this.kind = Objects.requireNonNull(kind);
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        if (s.length > CFG_UNION_SIZE) {
            throw new IllegalArgumentException("serial longer than " + CFG_UNION_SIZE + " bytes: " + serial);
        }
        this.serial = serial;
    }

    public Kind kind() {
        return kind;
    }

    /** LED state the guest last sent: bit 0 Num Lock, 1 Caps Lock, 2 Scroll Lock. */
    public int leds() {
        ctx.deviceLock().lock();
        try {
            return leds;
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** Reports waiting for buffers from the guest. */
    public int pendingReports() {
        ctx.deviceLock().lock();
        try {
            return pending.size();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public String name() {
        return "virtio-" + kind.optionName();
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public int pciClass() {
        return 0x098000;   // input device controller, other (as QEMU's)
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    // ------------------------------------------------------------------ configuration space

    @Override
    protected int configByte(int o) {
        if (o == 0) {
            return select;
        } else if (o == 1) {
            return subsel;
        } else if (o == 2) {
            return selected.length;
        } else if (o >= CFG_UNION && o < CFG_UNION + selected.length) {
            return selected[o - CFG_UNION] & 0xFF;
        }
        return 0;
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // Only select and subsel are the driver's; a wide write covering them sets both.
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int b = (int) (value >>> (8 * i)) & 0xFF;
            if (o == 0) {
                select = b;
            } else if (o == 1) {
                subsel = b;
            }
        }
        if (offset <= 1) {
            selected = answer(select, subsel);
        }
    }

    /** The union's contents for a select/subsel pair; empty (size 0) for what the device does not have. */
    private byte[] answer(int sel, int sub) {
        return switch (sel) {
            case CFG_ID_NAME -> sub == 0 ? ascii(kind.deviceName()) : new byte[0];
            case CFG_ID_SERIAL -> sub == 0 ? ascii(serial) : new byte[0];
            case CFG_ID_DEVIDS -> sub == 0 ? le16s(BUS_VIRTUAL, VENDOR, kind.product, 1) : new byte[0];
            case CFG_PROP_BITS -> new byte[0];   // none, as QEMU's: a plain pointer or keyboard
            case CFG_EV_BITS -> eventBits(sub);
            case CFG_ABS_INFO -> kind == Kind.TABLET && (sub == ABS_X || sub == ABS_Y) ? absInfo() : new byte[0];
            default -> new byte[0];
        };
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] le16s(int... values) {
        byte[] b = new byte[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            b[2 * i] = (byte) values[i];
            b[2 * i + 1] = (byte) (values[i] >>> 8);
        }
        return b;
    }

    /** struct virtio_input_absinfo: min, max, fuzz, flat, res (le32 each). */
    private static byte[] absInfo() {
        byte[] b = new byte[20];
        b[4] = (byte) ABS_MAX;
        b[5] = (byte) (ABS_MAX >>> 8);
        return b;
    }

    /** The codes of event type {@code type} this kind of device sends, as a bitmap trimmed after its last set byte. */
    private byte[] eventBits(int type) {
        byte[] map = new byte[CFG_UNION_SIZE];
        switch (kind) {
            case KEYBOARD -> {
                if (type == EV_KEY) {
                    for (int code = 1; code <= LAST_KEYBOARD_KEY; code++) {
                        setBit(map, code);
                    }
                } else if (type == EV_LED) {
                    for (int led = 0; led < LED_COUNT; led++) {
                        setBit(map, led);
                    }
                } else if (type == EV_REP) {
                    return new byte[1];   // autorepeat is the guest's: a non-empty answer turns it on
                }
            }
            case MOUSE -> {
                if (type == EV_KEY) {
                    setButtons(map);
                } else if (type == EV_REL) {
                    setBit(map, REL_X);
                    setBit(map, REL_Y);
                    setBit(map, REL_WHEEL);
                }
            }
            case TABLET -> {
                if (type == EV_KEY) {
                    setButtons(map);
                } else if (type == EV_REL) {
                    setBit(map, REL_WHEEL);
                } else if (type == EV_ABS) {
                    setBit(map, ABS_X);
                    setBit(map, ABS_Y);
                }
            }
        }
        int len = map.length;
        while (len > 0 && map[len - 1] == 0) {
            len--;
        }
        return java.util.Arrays.copyOf(map, len);
    }

    private static void setButtons(byte[] map) {
        setBit(map, BTN_LEFT);
        setBit(map, BTN_RIGHT);
        setBit(map, BTN_MIDDLE);
    }

    private static void setBit(byte[] map, int bit) {
        map[bit >>> 3] |= (byte) (1 << (bit & 7));
    }

    // ------------------------------------------------------------------ host input

    /**
     * The tablet's pointer at column {@code x} of {@code width}, row {@code y} of {@code height}; see
     * {@link AbsolutePointerInput}. Ignored by keyboards and mice.
     */
    public void absolute(int x, int y, int width, int height, int wheel, int newButtons) {
        if (kind != Kind.TABLET) {
            return;
        }
        int ax = scale(x, width);
        int ay = scale(y, height);
        Report r = new Report();
        r.add(EV_ABS, ABS_X, ax).add(EV_ABS, ABS_Y, ay);
        pointerRest(r, wheel, newButtons);
    }

    /** Mouse motion; ignored by keyboards and tablets. */
    public void relative(int dx, int dy, int wheel, int newButtons) {
        if (kind != Kind.MOUSE) {
            return;
        }
        Report r = new Report();
        if (dx != 0) {
            r.add(EV_REL, REL_X, dx);
        }
        if (dy != 0) {
            r.add(EV_REL, REL_Y, dy);
        }
        pointerRest(r, wheel, newButtons);
    }

    /** A key by evdev code (1 .. 0xF7); ignored by pointers and for codes the keyboard does not have. */
    public void key(int evdevCode, boolean pressed) {
        if (kind != Kind.KEYBOARD || evdevCode < 1 || evdevCode > LAST_KEYBOARD_KEY) {
            return;
        }
        submit(new Report().add(EV_KEY, evdevCode, pressed ? 1 : 0));
    }

    private static int scale(int pos, int extent) {
        if (extent <= 1) {
            return 0;
        }
        long clamped = Math.max(0, Math.min(extent - 1, pos));
        return (int) (clamped * ABS_MAX / (extent - 1));
    }

    /** Wheel and button changes, then the report goes out (buttons are sent only when they change). */
    private void pointerRest(Report r, int wheel, int newButtons) {
        ReentrantLock lock = ctx.deviceLock();
        lock.lock();
        try {
            if (wheel != 0) {
                r.add(EV_REL, REL_WHEEL, -wheel);   // evdev: positive is up, PointerInput: negative is up
            }
            int changed = (buttons ^ newButtons) & 7;
            int[] codes = {BTN_LEFT, BTN_RIGHT, BTN_MIDDLE};
            for (int b = 0; b < 3; b++) {
                if ((changed & (1 << b)) != 0) {
                    r.add(EV_KEY, codes[b], (newButtons >> b) & 1);
                }
            }
            buttons = newButtons & 7;
            if (r.count > 0) {
                submit(r);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Events of one report being built. */
    private static final class Report {
        private int[] events = new int[18];
        private int count;

        Report add(int type, int code, int value) {
            if (3 * count + 3 > events.length) {
                events = java.util.Arrays.copyOf(events, events.length * 2);
            }
            events[3 * count] = type;
            events[3 * count + 1] = code;
            events[3 * count + 2] = value;
            count++;
            return this;
        }

        int[] closed() {
            add(EV_SYN, SYN_REPORT, 0);
            return java.util.Arrays.copyOf(events, 3 * count);
        }
    }

    private void submit(Report r) {
        ReentrantLock lock = ctx.deviceLock();
        lock.lock();
        try {
            if (!transport().running()) {
                return;   // no driver listening: input is lost, as on a real device before its driver loads
            }
            pending.addLast(r.closed());
            while (pending.size() > MAX_PENDING_REPORTS) {
                dropOldestWholeReport();
            }
            deliver();
        } catch (Virtqueue.BadRingException e) {
            transport().fail(e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private void dropOldestWholeReport() {
        if (delivered == 0) {
            pending.removeFirst();
        } else {
            // the first report is half in the guest: it must be finished; drop the one after it
            int[] first = pending.removeFirst();
            pending.removeFirst();
            pending.addFirst(first);
        }
    }

    /** Fills the driver's posted buffers with pending events, one event per buffer as Linux posts them. */
    private void deliver() throws Virtqueue.BadRingException {
        Virtqueue q = transport().queue(EVENTQ);
        boolean used = false;
        byte[] ev = new byte[EVENT_SIZE];
        while (!pending.isEmpty()) {
            Virtqueue.Chain chain = q.pop();
            if (chain == null) {
                break;
            }
            used = true;
            if (chain.writableBytes() < EVENT_SIZE) {
                ctx.warnOnce(name() + ": event buffer of " + chain.writableBytes() + " bytes is smaller than an event;"
                        + " returned unused");
                q.push(chain, 0);
                continue;
            }
            int[] report = pending.getFirst();
            int i = 3 * delivered;
            ev[0] = (byte) report[i];
            ev[1] = (byte) (report[i] >>> 8);
            ev[2] = (byte) report[i + 1];
            ev[3] = (byte) (report[i + 1] >>> 8);
            int value = report[i + 2];
            for (int b = 0; b < 4; b++) {
                ev[4 + b] = (byte) (value >>> (8 * b));
            }
            chain.write(ev, 0, EVENT_SIZE);
            q.push(chain, EVENT_SIZE);
            if (++delivered * 3 == report.length) {
                pending.removeFirst();
                delivered = 0;
            }
        }
        if (used) {
            transport().usedBuffers(q);
        }
    }

    /** Takes the driver's status events (LED changes) and gives the buffers back. */
    private void consumeStatus() throws Virtqueue.BadRingException {
        Virtqueue q = transport().queue(STATUSQ);
        Virtqueue.Chain chain;
        boolean used = false;
        while ((chain = q.pop()) != null) {
            used = true;
            if (chain.readableBytes() != EVENT_SIZE) {
                ctx.warnOnce(name() + ": status buffer of " + chain.readableBytes() + " bytes is not one event; ignored");
            } else {
                byte[] e = chain.readAll();
                int type = (e[0] & 0xFF) | (e[1] & 0xFF) << 8;
                int code = (e[2] & 0xFF) | (e[3] & 0xFF) << 8;
                int value = (e[4] & 0xFF) | (e[5] & 0xFF) << 8 | (e[6] & 0xFF) << 16 | (e[7] & 0xFF) << 24;
                if (type == EV_LED && code < LED_COUNT && kind == Kind.KEYBOARD) {
                    leds = value != 0 ? leds | 1 << code : leds & ~(1 << code);
                }
                // Other status events (sound, force feedback) have nothing to drive here.
            }
            q.push(chain, 0);
        }
        if (used) {
            transport().usedBuffers(q);
        }
    }

    @Override
    protected void queueNotified(int index) throws Virtqueue.BadRingException {
        if (index == EVENTQ) {
            deliver();
        } else if (index == STATUSQ) {
            consumeStatus();
        }
    }

    @Override
    protected void driverReady() throws Virtqueue.BadRingException {
        consumeStatus();
        deliver();
    }

    @Override
    public void reset() {
        select = subsel = 0;
        selected = new byte[0];
        pending.clear();
        delivered = 0;
        leds = 0;
        buttons = 0;
    }

    // ------------------------------------------------------------------ state

    @Override
    public String stateId() {
        return name();
    }

    @Override
    public void saveState(StateWriter out) throws IOException {
        out.writeInt(select).writeInt(subsel).writeInt(leds).writeInt(buttons).writeInt(delivered)
                .writeInt(pending.size());
        for (int[] report : pending) {
            out.writeInts(report);
        }
    }

    @Override
    public void loadState(StateReader in) throws IOException {
        int sel = in.readInt();
        int sub = in.readInt();
        int l = in.readInt();
        int b = in.readInt();
        int d = in.readInt();
        int n = in.readInt();
        if ((sel | sub) >>> 8 != 0 || (l >>> LED_COUNT) != 0 || (b >>> 3) != 0 || n < 0 || n > MAX_PENDING_REPORTS) {
            throw new SnapshotFormatException(name() + ": saved configuration selector, LEDs, buttons or queue out of "
                    + "range");
        }
        ArrayDeque<int[]> reports = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            int[] r = in.readInts();
            if (r.length == 0 || r.length % 3 != 0) {
                throw new SnapshotFormatException(name() + ": saved report of " + r.length + " values");
            }
            reports.add(r);
        }
        if (d < 0 || (n == 0 ? d != 0 : d * 3 >= reports.getFirst().length)) {
            throw new SnapshotFormatException(name() + ": saved delivery position " + d + " is outside its report");
        }
        select = sel;
        subsel = sub;
        selected = answer(sel, sub);
        leds = l;
        buttons = b;
        delivered = d;
        pending.clear();
        pending.addAll(reports);
    }
}
