package org.virtfx.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.devices.TestContext;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.virtio.AnsweringBackend;
import org.virtfx.engine.virtio.VirtioPci;

/** Network cards on the PC board: slots from 3 as QEMU's, backends opened and closed with the board. */
class NetworkCardsTest {
    private final TestContext ctx = new TestContext();

    private static MachineConfig withNics(NicConfig... nics) {
        return MachineConfig.minimal("t", 64 * MachineConfig.MIB, 1).withNics(List.of(nics));
    }

    @Test
    void cardsTakeSlotsFromThreeWithTheirBackends() throws IOException {
        List<NicConfig> opened = new ArrayList<>();
        List<AnsweringBackend> backends = new ArrayList<>();
        NetworkCards.Backends open = nic -> {
            opened.add(nic);
            if (nic.network().equals(NicConfig.NONE)) {
                return null;
            }
            AnsweringBackend b = new AnsweringBackend();
            backends.add(b);
            return b;
        };
        NicConfig first = new NicConfig("virtio-net", NicConfig.defaultMac(0), NicConfig.USER);
        NicConfig unplugged = new NicConfig("virtio-net", NicConfig.defaultMac(1), NicConfig.NONE);
        PcBoard board = new PcBoard(withNics(first, unplugged), ctx, RecordingCpu::new, open);
        try {
            assertEquals(List.of(first, unplugged), opened);
            assertInstanceOf(VirtioPci.class, board.pci().device(PcBoard.FIRST_NIC_SLOT, 0));
            assertInstanceOf(VirtioPci.class, board.pci().device(PcBoard.FIRST_NIC_SLOT + 1, 0));
            assertEquals(0x10411AF4, board.pci().configRead(3, 0, 0, 4));
            assertTrue(board.lookup(NetCounters.class).isPresent(), "the machine's traffic for the GUI");
            assertTrue(board.stateParts().contains(board.pci().device(3, 0)));
        } finally {
            board.close();
        }
        assertTrue(backends.get(0).closed());
    }

    @Test
    void withoutCardsThereAreNoCounters() throws IOException {
        PcBoard board = new PcBoard(withNics(), ctx, RecordingCpu::new, nic -> null);
        try {
            assertTrue(board.lookup(NetCounters.class).isEmpty());
            assertEquals(-1, board.pci().configRead(3, 0, 0, 4));
        } finally {
            board.close();
        }
    }

    @Test
    void anUnknownModelIsAnErrorNamingItBeforeAnyBackendOpens() {
        List<NicConfig> opened = new ArrayList<>();
        NetworkCards.Backends open = nic -> {
            opened.add(nic);
            return null;
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PcBoard(
                withNics(new NicConfig("virtio-net", NicConfig.defaultMac(0), NicConfig.USER),
                        new NicConfig("ne2k_pci", NicConfig.defaultMac(1), NicConfig.USER)),
                ctx, RecordingCpu::new, open));
        assertTrue(e.getMessage().contains("'ne2k_pci' is not emulated") && e.getMessage().contains("virtio-net"),
                e.getMessage());
        assertTrue(opened.isEmpty());
    }

    @Test
    void aBackendThatCannotStartFailsTheBoardAndIsClosed() {
        AnsweringBackend[] made = new AnsweringBackend[1];
        NetworkCards.Backends open = nic -> {
            made[0] = new AnsweringBackend();
            return new NetworkBackend() {
                @Override
                public void start(org.virtfx.engine.net.GuestPort guest) throws IOException {
                    throw new IOException("port 2222 is in use");
                }

                @Override
                public void transmit(byte[] frame, int offset, int length) {
                }

                @Override
                public void guestCanReceive() {
                }

                @Override
                public void close() {
                    made[0].close();
                }
            };
        };
        IOException e = assertThrows(IOException.class, () -> new PcBoard(
                withNics(new NicConfig("virtio-net", NicConfig.defaultMac(0), NicConfig.USER)), ctx, RecordingCpu::new, open));
        assertEquals("network card 1 (virtio-net): port 2222 is in use", e.getMessage());
        assertTrue(made[0].closed());
    }

    @Test
    void theFactoryNamesItsModels() {
        assertTrue(NetworkCards.models().contains(NetworkCards.DEFAULT_MODEL));
        assertSame(NetworkCards.model("virtio-net"), NetworkCards.model("virtio-net"));
    }
}
