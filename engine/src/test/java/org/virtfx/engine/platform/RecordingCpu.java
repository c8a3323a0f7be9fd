package org.virtfx.engine.platform;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.virtfx.engine.cpu.CpuHost;
import org.virtfx.engine.cpu.X86Cpu;

/**
 * A vCPU that runs nothing and records what a board, boot loader or local APIC did to it, for tests without the
 * software CPU.
 */
public final class RecordingCpu implements X86Cpu {
    public record SegmentState(int selector, long base, int limit, int accessRights) {
    }

    public final CpuHost host;
    public final long[] gpr = new long[16];
    public final Map<Segment, SegmentState> segments = new EnumMap<>(Segment.class);
    public final long[] cr = new long[9];
    public final Map<Integer, Long> msrs = new HashMap<>();
    public long rip;
    public long rflags;
    public long gdtBase;
    public int gdtLimit;
    public int resets;
    public int interruptsSignalled;
    /** INIT and STARTUP signals in the order they came: "INIT", "SIPI " + vector in hex. */
    public final List<String> events = new ArrayList<>();
    private final int index;

    public RecordingCpu(CpuHost host) {
        this.host = host;
        this.index = host == null ? 0 : host.index();
    }

    /** A vCPU without a host, for device tests that only need its index (a local APIC's). */
    public RecordingCpu(int index) {
        this.host = null;
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public Exit run() {
        return Exit.EXIT_REQUESTED;
    }

    @Override
    public void requestExit() {
    }

    @Override
    public void reset() {
        resets++;
        java.util.Arrays.fill(gpr, 0);
        segments.clear();
        rip = 0xFFF0;
        segments.put(Segment.CS, new SegmentState(0xF000, 0xFFFF0000L, 0xFFFF, 0x9B));
    }

    @Override
    public String describeState() {
        return "RIP=" + Long.toHexString(rip);
    }

    @Override
    public long instructionsRetired() {
        return 0;
    }

    @Override
    public long gpr(int index) {
        return gpr[index];
    }

    @Override
    public void setGpr(int index, long value) {
        gpr[index] = value;
    }

    @Override
    public long rip() {
        return rip;
    }

    @Override
    public void setRip(long rip) {
        this.rip = rip;
    }

    @Override
    public long rflags() {
        return rflags;
    }

    @Override
    public void setRflags(long rflags) {
        this.rflags = rflags;
    }

    @Override
    public void loadSegment(Segment seg, int selector, long base, int limit, int accessRights) {
        segments.put(seg, new SegmentState(selector, base, limit, accessRights));
    }

    @Override
    public long controlRegister(int n) {
        return cr[n];
    }

    @Override
    public void setControlRegister(int n, long value) {
        cr[n] = value;
    }

    @Override
    public void setDescriptorTable(boolean idt, long base, int limit) {
        if (!idt) {
            gdtBase = base;
            gdtLimit = limit;
        }
    }

    @Override
    public long readMsr(int msr) {
        return msrs.getOrDefault(msr, 0L);
    }

    @Override
    public void writeMsr(int msr, long value) {
        msrs.put(msr, value);
    }

    @Override
    public synchronized void interruptPending() {
        interruptsSignalled++;
    }

    @Override
    public synchronized void deliverInit() {
        events.add("INIT");
    }

    @Override
    public synchronized void deliverStartup(int vector) {
        events.add("SIPI " + Integer.toHexString(vector));
    }

    @Override
    public boolean isBootstrapProcessor() {
        return index() == 0;
    }
}
