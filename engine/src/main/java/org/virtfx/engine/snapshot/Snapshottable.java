package org.virtfx.engine.snapshot;

import java.io.IOException;

/**
 * A device (or vCPU) that saves and restores its own state, after Firecracker's per-device persist pairs. The
 * machine snapshot is the sequence of every part's state under its {@link #stateId()}; a part refuses a state whose
 * version it does not know.
 */
public interface Snapshottable {
    /** Stable id of this part within the machine, e.g. "pic-master", "uart0", "ide0". */
    String stateId();

    void saveState(StateWriter out) throws IOException;

    /** Restores what {@link #saveState} wrote. Throws {@link SnapshotFormatException} on bad or foreign data. */
    void loadState(StateReader in) throws IOException;
}
