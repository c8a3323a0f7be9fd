package org.virtfx.engine.platform;

import java.io.IOException;
import java.util.function.Function;
import org.virtfx.engine.cpu.CpuHost;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineContext;

/** Builds the i440FX PC board with the software vCPU (or, for tests, another {@link X86Cpu} factory). */
public final class PcBoardFactory implements BoardFactory {
    private final Function<CpuHost, X86Cpu> cpuFactory;
    private final NetworkCards.Backends backends;

    /** The real board: vCPUs are {@code org.virtfx.engine.cpu.SoftwareCpu}. */
    public PcBoardFactory() {
        this(null, NetworkCards.DEFAULT_BACKENDS);
    }

    public PcBoardFactory(Function<CpuHost, X86Cpu> cpuFactory) {
        this(cpuFactory, NetworkCards.DEFAULT_BACKENDS);
    }

    /** With other network backends than the real ones (tests record or answer the guest's frames). */
    public PcBoardFactory(Function<CpuHost, X86Cpu> cpuFactory, NetworkCards.Backends backends) {
        this.cpuFactory = cpuFactory;
        this.backends = java.util.Objects.requireNonNull(backends);
    }

    @Override
    public Board create(MachineConfig config, MachineContext context) throws IOException {
        PcBoard board = new PcBoard(config, context, cpuFactory != null ? cpuFactory : PcBoard.softwareCpuFactory(),
                backends);
        if (board.lookup(DisplaySurface.class).isEmpty()) {
            board.setNoGraphic();
        }
        return board;
    }
}
