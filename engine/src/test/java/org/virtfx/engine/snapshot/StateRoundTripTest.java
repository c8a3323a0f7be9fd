package org.virtfx.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StateRoundTripTest {
    @Test
    void fieldsRoundTrip() throws Exception {
        byte[] data = new StateWriter("uart0", 2).writeBoolean(true).writeByte(0xAB).writeShort(0xBEEF).writeInt(-5)
                .writeLong(Long.MIN_VALUE).writeBytes(new byte[] {1, 2, 3}).writeInts(new int[] {7, 8})
                .writeLongs(new long[] {9}).writeString("héllo").toByteArray();
        StateReader r = new StateReader(data, "uart0", 2);
        assertEquals(2, r.version());
        assertEquals(true, r.readBoolean());
        assertEquals(0xAB, r.readByte());
        assertEquals(0xBEEF, r.readShort());
        assertEquals(-5, r.readInt());
        assertEquals(Long.MIN_VALUE, r.readLong());
        assertArrayEquals(new byte[] {1, 2, 3}, r.readBytes(3));
        assertArrayEquals(new int[] {7, 8}, r.readInts());
        assertArrayEquals(new long[] {9}, r.readLongs());
        assertEquals("héllo", r.readString());
    }

    @Test
    void foreignNewerTruncatedOrLyingStateIsRefused() throws Exception {
        byte[] data = new StateWriter("pic", 3).writeBytes(new byte[4]).toByteArray();
        assertThrows(SnapshotFormatException.class, () -> new StateReader(data, "pit", 3));
        assertThrows(SnapshotFormatException.class, () -> new StateReader(data, "pic", 2));
        assertThrows(SnapshotFormatException.class, () -> new StateReader(Arrays.copyOf(data, 3), "pic", 3));
        byte[] lying = new StateWriter("pic", 1).writeInt(Integer.MAX_VALUE).toByteArray();
        StateReader r = new StateReader(lying, "pic", 1);
        assertThrows(SnapshotFormatException.class, r::readBytes);
        StateReader r2 = new StateReader(new StateWriter("pic", 1).writeBytes(new byte[2]).toByteArray(), "pic", 1);
        assertThrows(SnapshotFormatException.class, () -> r2.readBytes(4));
    }
}
