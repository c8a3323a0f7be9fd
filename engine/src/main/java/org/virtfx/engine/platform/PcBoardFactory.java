package org.virtfx.engine.platform;

import java.io.IOException;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineContext;

/** Builds the i440FX PC board. */
public final class PcBoardFactory implements BoardFactory {
    @Override
    public Board create(MachineConfig config, MachineContext context) throws IOException {
        throw new IOException("the PC board is not part of this build yet");
    }
}
