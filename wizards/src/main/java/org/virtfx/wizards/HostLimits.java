package org.virtfx.wizards;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import org.virtfx.engine.machine.MachineConfig;

/**
 * The host's memory and processors, to bound what a machine may be given and to explain why.
 *
 * @param totalMemoryMiB physical memory of the host
 * @param freeMemoryMiB  memory not in use right now
 * @param cpus           hardware threads the host offers to this process
 */
public record HostLimits(long totalMemoryMiB, long freeMemoryMiB, int cpus) {
    /** Memory left to the host and the VirtFX process itself when the largest machine is chosen. */
    public static final long HOST_RESERVE_MIB = 1024;

    public static HostLimits current() {
        long total = 4096;
        long free = 2048;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            total = os.getTotalMemorySize() >> 20;
            free = os.getFreeMemorySize() >> 20;
        }
        return new HostLimits(total, free, Runtime.getRuntime().availableProcessors());
    }

    /** The most memory a machine may get: the host's memory minus {@link #HOST_RESERVE_MIB}, at least 256 MiB. */
    public long maxMemoryMiB() {
        return Math.max(256, Math.min(totalMemoryMiB - HOST_RESERVE_MIB, MachineConfig.MAX_MEMORY >> 20));
    }

    /** The most vCPUs: one per host thread (each vCPU is a thread of its own), at most the engine's limit. */
    public int maxCpus() {
        return Math.max(1, Math.min(cpus, MachineConfig.MAX_CPUS));
    }
}
