package org.virtfx.engine.devices;

import java.io.IOException;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;

/** Save/restore helpers for device round-trip tests. */
public final class StateRoundTrip {
    private StateRoundTrip() {
    }

    public static byte[] save(Snapshottable part) throws IOException {
        StateWriter w = new StateWriter(part.stateId(), 1);
        part.saveState(w);
        return w.toByteArray();
    }

    public static void load(Snapshottable part, byte[] state) throws IOException {
        part.loadState(new StateReader(state, part.stateId(), 1));
    }
}
