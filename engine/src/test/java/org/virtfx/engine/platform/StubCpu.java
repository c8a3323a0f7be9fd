package org.virtfx.engine.platform;

import org.virtfx.engine.cpu.X86Cpu;

/** A vCPU that does nothing, for board wiring tests. */
final class StubCpu implements X86Cpu {
    private final int index;

    StubCpu(int index) {
        this.index = index;
    }

    @Override public int index() { return index; }
    @Override public Exit run() { return Exit.EXIT_REQUESTED; }
    @Override public void requestExit() { }
    @Override public void reset() { }
    @Override public String describeState() { return "stub"; }
    @Override public long instructionsRetired() { return 0; }
    @Override public long gpr(int i) { return 0; }
    @Override public void setGpr(int i, long v) { }
    @Override public long rip() { return 0; }
    @Override public void setRip(long rip) { }
    @Override public long rflags() { return 2; }
    @Override public void setRflags(long f) { }
    @Override public void loadSegment(Segment s, int sel, long base, int limit, int ar) { }
    @Override public long controlRegister(int n) { return 0; }
    @Override public void setControlRegister(int n, long v) { }
    @Override public void setDescriptorTable(boolean idt, long base, int limit) { }
    @Override public long readMsr(int msr) { return 0; }
    @Override public void writeMsr(int msr, long v) { }
    @Override public void interruptPending() { }
    @Override public void deliverInit() { }
    @Override public void deliverStartup(int vector) { }
    @Override public boolean isBootstrapProcessor() { return index == 0; }
}
