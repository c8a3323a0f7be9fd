package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.devices.I8042;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.virtio.VirtioInput;
import org.virtfx.engine.virtio.VirtioPci;

/** Virtio input devices on the PC board: slots after the network cards, the tablet as the absolute pointer. */
class InputDevicesTest {
    private final TestContext ctx = new TestContext();

    private static MachineConfig config(List<NicConfig> nics, List<String> inputs) {
        return MachineConfig.minimal("t", 64 * MachineConfig.MIB, 1).withNics(nics).withInputs(inputs);
    }

    @Test
    void inputDevicesFollowTheNetworkCardsAndTheTabletIsTheAbsolutePointer() throws IOException {
        NicConfig nic = new NicConfig("virtio-net", NicConfig.defaultMac(0), NicConfig.NONE);
        try (PcBoard board = new PcBoard(config(List.of(nic), List.of("keyboard", "tablet")), ctx, RecordingCpu::new,
                n -> null)) {
            assertEquals(0x10411AF4, board.pci().configRead(3, 0, 0, 4), "the card keeps slot 3");
            assertEquals(0x10521AF4, board.pci().configRead(4, 0, 0, 4));
            assertEquals(0x10521AF4, board.pci().configRead(5, 0, 0, 4));
            VirtioPci keyboard = assertInstanceOf(VirtioPci.class, board.pci().device(4, 0));
            VirtioPci tablet = assertInstanceOf(VirtioPci.class, board.pci().device(5, 0));
            assertEquals(VirtioInput.Kind.KEYBOARD, ((VirtioInput) keyboard.device()).kind());
            assertEquals(VirtioInput.Kind.TABLET, ((VirtioInput) tablet.device()).kind());
            assertTrue(board.lookup(AbsolutePointerInput.class).isPresent());
            assertInstanceOf(I8042.class, board.lookup(PointerInput.class).orElseThrow(), "the PS/2 mouse stays");
            assertInstanceOf(I8042.class, board.lookup(KeyboardInput.class).orElseThrow(), "host keys go to PS/2");
            assertTrue(board.stateParts().contains(tablet));
        }
    }

    @Test
    void withoutATabletThereIsNoAbsolutePointer() throws IOException {
        try (PcBoard board = new PcBoard(config(List.of(), List.of("mouse")), ctx, RecordingCpu::new, n -> null)) {
            assertEquals(0x10521AF4, board.pci().configRead(3, 0, 0, 4));
            assertTrue(board.lookup(AbsolutePointerInput.class).isEmpty());
            assertInstanceOf(I8042.class, board.lookup(PointerInput.class).orElseThrow());
        }
    }

    @Test
    void anUnknownTypeIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PcBoard(config(List.of(), List.of("joystick")), ctx, RecordingCpu::new, n -> null).close());
        assertTrue(e.getMessage().contains("'joystick'") && e.getMessage().contains("tablet"), e.getMessage());
    }
}
