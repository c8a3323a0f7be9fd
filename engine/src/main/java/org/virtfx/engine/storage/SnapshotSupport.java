package org.virtfx.engine.storage;

import java.io.IOException;
import java.util.List;

/** Internal snapshots of an image ({@code qemu-img snapshot -l/-c/-a/-d}); from {@link DiskImage#snapshots()}. */
public interface SnapshotSupport {
    List<SnapshotInfo> list() throws IOException;

    /** Takes a disk-only snapshot of the current state; {@code name} must not already exist. */
    SnapshotInfo create(String name) throws IOException;

    /** Reverts the disk to the snapshot with this id or name (id matched first, like qemu). */
    void apply(String idOrName) throws IOException;

    /** Deletes the snapshot with this id or name, freeing clusters only it used. */
    void delete(String idOrName) throws IOException;
}
