package org.virtfx.engine.storage;

/** Optional things a format can do beyond reading and writing (see {@link ImageFormat#capabilities()}). */
public enum Capability {
    /** {@link ImageFormat#create} works. */
    CREATE,
    /** Internal snapshots: {@link DiskImage#snapshots()} is present. */
    SNAPSHOTS,
    /** {@link DiskImage#check(RepairMode)} does real consistency checks. */
    CHECK,
    /** {@link DiskImage#resize(long, boolean)} works. */
    RESIZE,
    /** {@link DiskImage#mapLayer(long, long)} reports real allocation (not just "all data"). */
    MAP,
    /** The image can have a backing file (copy-on-write overlay). */
    BACKING_FILE,
    /** The format can store compressed clusters ({@code qemu-img convert -c}). */
    COMPRESSION
}
