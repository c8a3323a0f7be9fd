package org.virtfx.engine.devices.net;

/**
 * Register offsets and bits of the 82540EM, as the 8254x Software Developer's Manual names them (chapter 13), shared
 * by the card's parts.
 */
final class E1000Registers {
    static final int VENDOR_ID = 0x8086;
    static final int DEVICE_ID = 0x100E;
    static final int SUBSYSTEM_ID = 0x001E;     // Intel PRO/1000 MT Desktop Adapter
    static final int MMIO_SIZE = 0x20000;
    static final int IO_SIZE = 0x40;

    // register offsets (8254x SDM table 13-2)
    static final int CTRL = 0x0000;
    static final int STATUS = 0x0008;
    static final int EECD = 0x0010;
    static final int EERD = 0x0014;
    static final int MDIC = 0x0020;
    static final int VET = 0x0038;
    static final int ICR = 0x00C0;
    static final int ITR = 0x00C4;
    static final int ICS = 0x00C8;
    static final int IMS = 0x00D0;
    static final int IMC = 0x00D8;
    static final int RCTL = 0x0100;
    static final int TCTL = 0x0400;
    static final int PBA = 0x1000;
    static final int RDBAL = 0x2800;
    static final int RDBAH = 0x2804;
    static final int RDLEN = 0x2808;
    static final int RDH = 0x2810;
    static final int RDT = 0x2818;
    static final int RDTR = 0x2820;
    static final int RADV = 0x282C;
    static final int TDBAL = 0x3800;
    static final int TDBAH = 0x3804;
    static final int TDLEN = 0x3808;
    static final int TDH = 0x3810;
    static final int TDT = 0x3818;
    static final int TIDV = 0x3820;
    static final int TADV = 0x382C;
    static final int STATS_START = 0x4000;
    static final int STATS_END = 0x4100;
    static final int RXCSUM = 0x5000;
    static final int MTA = 0x5200;
    static final int RAL0 = 0x5400;
    static final int VFTA = 0x5600;
    static final int MANC = 0x5820;

    // statistics registers the card counts (read-to-clear)
    static final int MPC = 0x4010;
    static final int PRC64 = 0x405C;
    static final int GPRC = 0x4074;
    static final int BPRC = 0x4078;
    static final int MPRC = 0x407C;
    static final int GPTC = 0x4080;
    static final int GORCL = 0x4088;
    static final int GOTCL = 0x4090;
    static final int RNBC = 0x40A0;
    static final int ROC = 0x40AC;
    static final int TORL = 0x40C0;
    static final int TOTL = 0x40C8;
    static final int TPR = 0x40D0;
    static final int TPT = 0x40D4;
    static final int PTC64 = 0x40D8;
    static final int MPTC = 0x40F0;
    static final int BPTC = 0x40F4;
    static final int TSCTC = 0x40F8;

    static final int CTRL_VME = 1 << 30;
    static final int CTRL_RST = 1 << 26;
    static final int CTRL_PHY_RST = 1 << 31;
    static final int STATUS_LU = 0x2;
    static final int STATUS_LINK_1000_FD = 0x1 | STATUS_LU | 0x80 | 0x200;   // FD, LU, speed 1000, ASDV 1000

    // interrupt causes
    static final int ICR_TXDW = 1 << 0;
    static final int ICR_TXQE = 1 << 1;
    static final int ICR_RXDMT0 = 1 << 4;
    static final int ICR_RXO = 1 << 6;
    static final int ICR_RXT0 = 1 << 7;
    static final int ICR_MDAC = 1 << 9;

    static final int RCTL_EN = 1 << 1;
    static final int RCTL_UPE = 1 << 3;
    static final int RCTL_MPE = 1 << 4;
    static final int RCTL_LPE = 1 << 5;
    static final int RCTL_BAM = 1 << 15;
    static final int RCTL_VFE = 1 << 18;
    static final int RCTL_BSEX = 1 << 25;
    static final int RCTL_SECRC = 1 << 26;
    static final int TCTL_EN = 1 << 1;
    static final int TCTL_PSP = 1 << 3;

    static final int MDIC_READY = 1 << 28;
    static final int MDIC_INT_EN = 1 << 29;
    static final int MDIC_ERROR = 1 << 30;

    static final int RXD_DD = 0x01;
    static final int RXD_EOP = 0x02;
    static final int RXD_IXSM = 0x04;  // "ignore checksum indication": the guest's stack verifies checksums
    static final int RXD_VP = 0x08;
    static final int MAX_GATHER = 0x40000;

    private E1000Registers() {
    }
}
