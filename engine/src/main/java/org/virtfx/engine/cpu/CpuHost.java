package org.virtfx.engine.cpu;

import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * What a software vCPU sees of its board: physical memory (RAM fast path, ROM, MMIO, A20), port I/O, its interrupt
 * controller, and the machine (clock for the TSC, warnings). One per vCPU.
 *
 * @param cpuCount        number of vCPUs on the board (CPUID topology)
 * @param tscHz           TSC frequency; the TSC is derived from the machine's virtual clock at this rate
 */
public record CpuHost(int index, int cpuCount, PhysicalMemory memory, IoBus io, InterruptController interrupts,
                      MachineContext machine, long tscHz) {
    public static final long DEFAULT_TSC_HZ = 2_000_000_000L;
}
