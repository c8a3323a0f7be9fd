package org.virtfx.engine.machine;

import java.io.IOException;

/** Builds the hardware for a machine configuration. The PC board is the real one; tests may supply others. */
@FunctionalInterface
public interface BoardFactory {
    /**
     * @throws IOException              when a file named by the configuration cannot be used (message names it)
     * @throws IllegalArgumentException when the configuration is invalid for this board (message names it)
     */
    Board create(MachineConfig config, MachineContext context) throws IOException;
}
