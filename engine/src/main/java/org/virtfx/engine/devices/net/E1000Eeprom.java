package org.virtfx.engine.devices.net;

import java.io.IOException;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The 82540EM's 64-word Microwire EEPROM (a 93C46), reached two ways: bit-banged through EECD (what the Linux e1000
 * driver does: CS, SK, DI out, DO in, a 3-bit READ opcode and a 6-bit word address, then 16 data bits MSB first) and
 * word-wise through EERD (what iPXE does). Holds the MAC address in words 0-2 and a checksum word that makes the sum
 * of words 0x00-0x3F equal 0xBABA, which the drivers verify before trusting the MAC.
 */
final class E1000Eeprom {
    static final int WORDS = 64;
    private static final int CHECKSUM_WORD = 0x3F;
    private static final int CHECKSUM_TARGET = 0xBABA;
    private static final int ADDRESS_BITS = 6;
    private static final int READ_OPCODE = 0b110;   // start bit, then opcode 10

    // EECD bits (8254x SDM 13.4.3)
    static final int EECD_SK = 1 << 0;
    static final int EECD_CS = 1 << 1;
    static final int EECD_DI = 1 << 2;
    static final int EECD_DO = 1 << 3;
    private static final int EECD_REQ = 1 << 6;
    private static final int EECD_GNT = 1 << 7;
    private static final int EECD_PRES = 1 << 8;
    /** What the guest may set: SK, CS, DI, FWE (bits 4-5), REQ. Size bit 9 stays clear: a 64-word part. */
    private static final int EECD_WRITABLE = EECD_SK | EECD_CS | EECD_DI | 0x30 | EECD_REQ;

    // EERD bits (82540: start bit 0, done bit 4, address 15:8, data 31:16)
    private static final int EERD_START = 1;
    private static final int EERD_DONE = 1 << 4;

    private final int[] words = new int[WORDS];

    private int eecd;
    /** Bits clocked in since CS went up (opcode + address), or -1 once a read is streaming data out. */
    private int bitsIn;
    private int shiftIn;
    private int readAddress;
    /** Rising SK edges since the address was complete: edge k presents data bit 15-(k-1)%16 on DO. */
    private int edgesOut;

    E1000Eeprom(byte[] mac) {
        for (int i = 0; i < 3; i++) {
            words[i] = (mac[2 * i] & 0xFF) | (mac[2 * i + 1] & 0xFF) << 8;
        }
        words[0x08] = 0x2000;       // printed board assembly number, words 8-9 (the driver logs it)
        words[0x09] = 0x1234;
        words[0x0A] = 0x4000;       // initialization control 1: bits 15:14 = 01, "this EEPROM is valid"
        words[0x0B] = E1000Registers.SUBSYSTEM_ID;
        words[0x0C] = E1000Registers.VENDOR_ID;
        words[0x0D] = E1000Registers.DEVICE_ID;
        words[0x0E] = E1000Registers.VENDOR_ID;
        words[0x0F] = 0x0000;       // initialization control 2: no pause frames (bits 13:12 = 00), the link is virtual
        int sum = 0;
        for (int i = 0; i < CHECKSUM_WORD; i++) {
            sum += words[i];
        }
        words[CHECKSUM_WORD] = (CHECKSUM_TARGET - sum) & 0xFFFF;
    }

    int word(int index) {
        return words[index & (WORDS - 1)];
    }

    void reset() {
        eecd = 0;
        bitsIn = 0;
        shiftIn = 0;
        edgesOut = 0;
    }

    int readEecd() {
        int v = eecd | EECD_PRES | EECD_GNT;   // access is granted at once: no on-chip firmware competes for it
        return dataOut() ? v | EECD_DO : v;
    }

    private boolean dataOut() {
        if ((eecd & EECD_CS) == 0 || bitsIn >= 0 || edgesOut == 0) {
            return false;   // the dummy zero bit before data, or nothing selected
        }
        int k = edgesOut - 1;
        int w = words[(readAddress + k / 16) & (WORDS - 1)];   // sequential reads run on to the next word
        return (w >> (15 - k % 16) & 1) != 0;
    }

    void writeEecd(int value) {
        int old = eecd;
        eecd = value & EECD_WRITABLE;
        if ((eecd & EECD_CS) == 0) {
            bitsIn = 0;     // deselect ends any command
            shiftIn = 0;
            edgesOut = 0;
            return;
        }
        boolean rising = (old & EECD_SK) == 0 && (eecd & EECD_SK) != 0;
        if (!rising) {
            return;
        }
        if (bitsIn < 0) {
            edgesOut++;
            return;
        }
        if (bitsIn == 0 && (eecd & EECD_DI) == 0) {
            return;     // leading zeros before the start bit are ignored, as by the part
        }
        shiftIn = shiftIn << 1 | ((eecd & EECD_DI) != 0 ? 1 : 0);
        if (++bitsIn == 3 + ADDRESS_BITS) {
            if ((shiftIn >> ADDRESS_BITS) == READ_OPCODE) {
                readAddress = shiftIn & (WORDS - 1);
                bitsIn = -1;
                edgesOut = 0;
            } else {
                // write/erase opcodes: the contents stay as shipped (the part is write-protected here)
                bitsIn = 0;
                shiftIn = 0;
            }
        }
    }

    /** EERD write: a START reads the addressed word at once and reports DONE with the data. */
    int eerdAfterWrite(int value) {
        if ((value & EERD_START) == 0) {
            return value & ~EERD_DONE;
        }
        int address = (value >>> 8) & 0xFF;
        int data = address < WORDS ? words[address] : 0xFFFF;   // beyond the part: an erased cell
        return (value & 0xFF00) | EERD_DONE | data << 16;
    }

    void save(StateWriter out) throws IOException {
        out.writeInts(words);
        out.writeInt(eecd).writeInt(bitsIn).writeInt(shiftIn).writeInt(readAddress).writeInt(edgesOut);
    }

    void load(StateReader in) throws IOException {
        int[] w = in.readInts();
        if (w.length != WORDS) {
            throw new SnapshotFormatException("e1000 EEPROM: expected 64 words, found " + w.length);
        }
        for (int i = 0; i < WORDS; i++) {
            words[i] = w[i] & 0xFFFF;
        }
        eecd = in.readInt() & EECD_WRITABLE;
        bitsIn = Math.max(-1, Math.min(in.readInt(), 3 + ADDRESS_BITS - 1));
        shiftIn = in.readInt() & 0x1FF;
        readAddress = in.readInt() & (WORDS - 1);
        edgesOut = Math.max(0, in.readInt());
    }
}
