package org.virtfx.engine.platform;

import java.util.Objects;
import org.virtfx.engine.boot.DirectBoot;
import org.virtfx.engine.cpu.Vcpu;
import org.virtfx.engine.cpu.X86Cpu;

/**
 * The bootstrap processor of a machine that boots a kernel without firmware: after every architectural reset (power
 * on, platform reset) it is put straight into the kernel's entry state instead of the reset vector.
 */
final class BootstrapVcpu implements Vcpu {
    private final X86Cpu cpu;
    private final DirectBoot boot;

    BootstrapVcpu(X86Cpu cpu, DirectBoot boot) {
        this.cpu = Objects.requireNonNull(cpu);
        this.boot = Objects.requireNonNull(boot);
    }

    X86Cpu cpu() {
        return cpu;
    }

    @Override
    public int index() {
        return cpu.index();
    }

    @Override
    public Exit run() {
        return cpu.run();
    }

    @Override
    public void requestExit() {
        cpu.requestExit();
    }

    @Override
    public void reset() {
        cpu.reset();
        boot.enter(cpu);
    }

    @Override
    public String describeState() {
        return cpu.describeState();
    }

    @Override
    public long instructionsRetired() {
        return cpu.instructionsRetired();
    }
}
