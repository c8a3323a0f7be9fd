package org.virtfx.engine.cpu;

/**
 * The interrupt source a vCPU polls between instructions: its local APIC (which passes the 8259 through as ExtINT),
 * or the 8259 pair directly on a board without APIC. Called from the vCPU's thread; implementations take the device
 * lock themselves when they need it.
 */
public interface InterruptController {
    /** True when a maskable interrupt is waiting (the CPU takes it only with IF=1 and no interrupt shadow). */
    boolean hasInterrupt();

    /** Acknowledges the highest-priority pending interrupt and returns its vector (the INTA cycle). */
    int acknowledge();

    /** True when an NMI is waiting; {@link #acknowledgeNmi} clears it. */
    default boolean hasNmi() {
        return false;
    }

    default void acknowledgeNmi() {
    }

    /** Raised by the CPU for APIC task-priority (CR8) writes in 64-bit mode; APIC-less boards ignore it. */
    default void setTaskPriority(int tpr) {
    }

    default int taskPriority() {
        return 0;
    }

    /**
     * IA32_APIC_BASE (MSR 0x1B) as the CPU's RDMSR/WRMSR see it. APIC-less controllers return 0 and ignore writes
     * (the CPU should then not advertise CPUID.1:EDX.APIC).
     */
    default long apicBaseMsr() {
        return 0;
    }

    default void setApicBaseMsr(long value) {
    }

    /** IA32_TSC_DEADLINE (MSR 0x6E0), forwarded by the CPU to the local APIC timer. */
    default long tscDeadline() {
        return 0;
    }

    default void setTscDeadline(long tscValue) {
    }
}
