package org.virtfx.engine.cpu;

/**
 * An x86 vCPU as the board drives it: register access for boot loaders (direct Linux/multiboot boot), interrupt
 * wake-ups, and the INIT/SIPI/NMI signals a local APIC delivers. Software CPU and KVM backend both implement it.
 *
 * <p>General registers are numbered as in the instruction encoding: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP,
 * 6 RSI, 7 RDI, 8-15 R8-R15. Setters are for use while the vCPU is not running (before start, or parked).
 */
public interface X86Cpu extends Vcpu {
    enum Segment { ES, CS, SS, DS, FS, GS, LDTR, TR }

    int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

    long gpr(int index);

    void setGpr(int index, long value);

    long rip();

    void setRip(long rip);

    long rflags();

    void setRflags(long rflags);

    /**
     * Loads a segment register and its hidden descriptor cache directly (no GDT access), as a boot loader or a
     * snapshot restore needs. {@code accessRights} is the descriptor's byte 5 in bits 0-7 and the flags nibble
     * (AVL, L, D/B, G) in bits 12-15, the layout of `kvm_segment`/VMX access rights; {@code limit} is the expanded
     * byte-granular limit.
     */
    void loadSegment(Segment seg, int selector, long base, int limit, int accessRights);

    /** CR0, CR2, CR3, CR4, CR8. Writing applies the architectural effects (mode switch, TLB flush). */
    long controlRegister(int n);

    void setControlRegister(int n, long value);

    /** GDTR ({@code idt} false) or IDTR. */
    void setDescriptorTable(boolean idt, long base, int limit);

    long readMsr(int msr);

    void writeMsr(int msr, long value);

    /** An interrupt controller has something for this vCPU: re-check, and wake from HLT. Thread-safe. */
    void interruptPending();

    /** INIT IPI (or the PC's INIT line): reset to the wait-for-SIPI state on an AP. Thread-safe. */
    void deliverInit();

    /** Start-up IPI: begin executing at {@code vector << 12} in real mode, if waiting for SIPI. Thread-safe. */
    void deliverStartup(int vector);

    /**
     * Called on this vCPU's thread after {@link Vcpu#run} returned {@code WAIT_FOR_SIPI}: blocks until an INIT, a
     * start-up IPI or an exit request may have arrived. This default sleeps briefly (the caller runs the vCPU again,
     * which returns {@code WAIT_FOR_SIPI} while nothing arrived); a CPU model blocks on its own wake-ups instead.
     */
    default void awaitStartupSignal() throws InterruptedException {
        Thread.sleep(1);
    }

    /** Whether this is the bootstrap processor (runs firmware after reset); APs wait for SIPI. */
    boolean isBootstrapProcessor();
}
