package org.virtfx.engine.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.virtio.VirtioInput;

/**
 * Debian's amd64 cloud kernel with a virtio tablet (`virtfx run --input tablet`): virtio_input registers "VirtFX
 * Tablet" with an evdev handler, and a pointer position sent through the board's {@link AbsolutePointerInput} (what
 * VNC uses) comes out of /dev/input/eventN as ABS_X and ABS_Y on the tablet's 0..32767 scale.
 */
@Tag("guest")
class VirtioInputGuestTest {
    /** struct input_event on a 64-bit kernel: 16-byte timeval, le16 type, le16 code, le32 value. */
    private static final int EVENT_BYTES = 24;

    @Test
    void amd64GuestSeesTheTabletAndReadsAnAbsoluteMove() throws Exception {
        assumeTrue(GuestFixtures.present(GuestFixtures.kernel(GuestFixtures.Arch.AMD64)), "run 'virtfx guests fetch' first");
        MachineConfig config = MachineConfig.minimal("virtio-input-guest-test", 256 * MachineConfig.MIB, 1);
        config = new MachineConfig(config.name(), config.memoryBytes(), 1, null,
                GuestFixtures.kernel(GuestFixtures.Arch.AMD64), GuestFixtures.initramfs(GuestFixtures.Arch.AMD64),
                "console=ttyS0 quiet " + GuestFixtures.FAST_BOOT_ARGS, null, List.of(), false,
                MachineConfig.TripleFaultAction.CRASH, null, List.of(), List.of("tablet"));
        try (Machine m = new Machine(config, new PcBoardFactory())) {
            GuestConsole console = new GuestConsole(m);
            m.start();
            console.expect(GuestFixtures.MARKER, 900);
            console.expect("virtfx# ", 60);
            assertEquals("1", console.value("grep -c 'N: Name=\"VirtFX Tablet\"' /proc/bus/input/devices", 60),
                    console.run("cat /proc/bus/input/devices", 60));
            String handlers = console.run("grep -A8 'VirtFX Tablet' /proc/bus/input/devices | grep '^H:'", 60);
            String event = console.value("grep -A8 'VirtFX Tablet' /proc/bus/input/devices | grep '^H:' "
                    + "| grep -o 'event[0-9]*'", 60);
            assertTrue(event.matches("event[0-9]+"), "tablet handlers: " + handlers);
            assertEquals("_6_627_3", console.value("grep -A1 'VirtFX Tablet' -B1 /proc/bus/input/devices | grep '^I:' "
                    + "| sed 's/.*Bus=0*\\([0-9a-f]*\\) Vendor=0*\\([0-9a-f]*\\) Product=0*\\([0-9a-f]*\\).*/_\\1_\\2_\\3/'",
                    60), "BUS_VIRTUAL, QEMU's vendor and tablet product");

            // Three events (ABS_X, ABS_Y, SYN_REPORT) end the reader; it must be listening before the move.
            console.run("head -c " + 3 * EVENT_BYTES + " /dev/input/" + event + " > /tmp/ev 2>/dev/null & sleep 1", 60);
            AbsolutePointerInput tablet = m.board().flatMap(b -> b.lookup(AbsolutePointerInput.class)).orElseThrow();
            tablet.absolute(512, 384, 1024, 768, 0, 0);
            String size = console.value("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 "
                    + "27 28 29 30; do [ $(wc -c < /tmp/ev) -ge " + 3 * EVENT_BYTES + " ] && break; sleep 1; done; "
                    + "wc -c < /tmp/ev", 120);
            assertEquals(String.valueOf(3 * EVENT_BYTES), size, "bytes read from /dev/input/" + event);
            assertEquals("_3_0", console.value("od -An -tu2 -j16 -N4 /tmp/ev | tr -s ' ' _", 60), "EV_ABS ABS_X");
            assertEquals(String.valueOf(512 * VirtioInput.ABS_MAX / 1023),
                    console.value("od -An -tu4 -j20 -N4 /tmp/ev | tr -d ' '", 60));
            assertEquals("_3_1", console.value("od -An -tu2 -j40 -N4 /tmp/ev | tr -s ' ' _", 60), "EV_ABS ABS_Y");
            assertEquals(String.valueOf(384 * VirtioInput.ABS_MAX / 767),
                    console.value("od -An -tu4 -j44 -N4 /tmp/ev | tr -d ' '", 60));
            assertEquals("_0_0", console.value("od -An -tu2 -j64 -N4 /tmp/ev | tr -s ' ' _", 60), "EV_SYN SYN_REPORT");
        }
    }
}
