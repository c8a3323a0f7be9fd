package org.virtfx.engine.storage;

/** What {@link DiskImage#check(RepairMode)} may fix (qemu-img check {@code -r leaks|all}). */
public enum RepairMode {
    /** Only report. */
    NONE,
    /** Free clusters that are allocated but referenced by nothing. */
    LEAKS,
    /** Also fix refcounts that are too low (data at risk) and other repairable corruption. */
    ALL
}
