package org.virtfx.engine.devices.net;

import java.io.IOException;
import org.virtfx.engine.snapshot.SnapshotFormatException;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/**
 * The Marvell 88E1011 copper PHY an 82540EM carries, at MDIO address 1, as the MAC's MDIC register reaches it. The
 * virtual cable is always plugged into a 1000BASE-T full-duplex partner: auto-negotiation completes the moment it is
 * (re)started, since nothing is gained by making a guest wait for a link that cannot fail. A card without a network
 * has no cable: link down.
 */
final class M88Phy {
    static final int ADDRESS = 1;

    static final int BMCR = 0x00;
    static final int BMSR = 0x01;
    static final int ID1 = 0x02;
    static final int ID2 = 0x03;
    static final int ANAR = 0x04;
    static final int ANLPAR = 0x05;
    static final int ANER = 0x06;
    static final int GBCR = 0x09;       // 1000BASE-T control
    static final int GBSR = 0x0A;       // 1000BASE-T status
    static final int EXT_STATUS = 0x0F;
    static final int SPEC_CTRL = 0x10;  // Marvell PHY specific control
    static final int SPEC_STATUS = 0x11;
    static final int EXT_SPEC_CTRL = 0x14;

    private static final int BMCR_RESET = 0x8000;
    private static final int BMCR_RESTART_AN = 0x0200;
    /** Read-only registers: status, identifiers and what the link partner advertised. */
    private static final int READ_ONLY = 1 << BMSR | 1 << ID1 | 1 << ID2 | 1 << ANLPAR | 1 << ANER | 1 << GBSR
            | 1 << EXT_STATUS | 1 << SPEC_STATUS;

    private final int[] regs = new int[32];
    private final boolean cable;

    /** {@code cable}: a partner is connected (else link down and negotiation never completes). */
    M88Phy(boolean cable) {
        this.cable = cable;
        reset();
    }

    void reset() {
        java.util.Arrays.fill(regs, 0);
        regs[BMCR] = 0x1140;        // auto-negotiation enabled, full duplex, 1000 Mb/s
        regs[BMSR] = 0x796D;        // 10/100 capable, extended status, AN complete, AN capable, link up, ext. regs
        regs[ID1] = 0x0141;         // Marvell OUI
        regs[ID2] = 0x0C20;         // 88E1011, as Linux e1000 expects behind an 82540 (M88E1011_I_PHY_ID)
        regs[ANAR] = 0x0DE1;        // 10/100 half/full, pause, asymmetric pause, IEEE 802.3
        regs[ANLPAR] = 0x45E1;      // the partner offers the same and acknowledged ours
        regs[ANER] = 0x0001;        // partner is auto-negotiation able
        regs[GBCR] = 0x0300;        // we advertise 1000BASE-T half and full duplex
        regs[GBSR] = 0x3C00;        // local and remote receivers OK, partner 1000BASE-T full and half duplex
        regs[EXT_STATUS] = 0x3000;  // 1000BASE-T full and half duplex capable
        regs[SPEC_CTRL] = 0x0068;
        regs[SPEC_STATUS] = 0xAC00; // 1000 Mb/s, full duplex, speed/duplex resolved, link up
        regs[EXT_SPEC_CTRL] = 0x0D60;
        if (!cable) {
            regs[BMSR] &= ~0x0024;      // no link, auto-negotiation not complete
            regs[ANLPAR] = 0;
            regs[ANER] = 0;
            regs[GBSR] = 0;
            regs[SPEC_STATUS] = 0;
        }
    }

    int read(int reg) {
        return regs[reg & 31];
    }

    void write(int reg, int value) {
        reg &= 31;
        value &= 0xFFFF;
        if ((READ_ONLY >> reg & 1) != 0) {
            return;
        }
        if (reg == BMCR) {
            if ((value & BMCR_RESET) != 0) {
                // a software reset commits the configuration; the bit clears itself and the link comes back at once
                value &= ~BMCR_RESET;
            }
            value &= ~BMCR_RESTART_AN;  // negotiation completes immediately: BMSR keeps "AN complete"
        }
        regs[reg] = value;
    }

    void save(StateWriter out) throws IOException {
        out.writeInts(regs);
    }

    void load(StateReader in) throws IOException {
        int[] r = in.readInts();
        if (r.length != regs.length) {
            throw new SnapshotFormatException("e1000 PHY: expected 32 registers, found " + r.length);
        }
        for (int i = 0; i < regs.length; i++) {
            regs[i] = r[i] & 0xFFFF;
        }
    }
}
