package org.virtfx.engine.storage;

import java.time.Instant;

/**
 * An internal snapshot, as {@code qemu-img snapshot -l} lists it.
 *
 * @param id           unique id string ("1", "2", ...)
 * @param name         tag
 * @param vmStateSize  bytes of saved VM state (0 for disk-only snapshots)
 * @param date         when it was taken
 * @param vmClockNanos guest clock at that time
 * @param diskSize     virtual disk size when it was taken (-1 if the image does not record it)
 * @param icount       instruction count (-1 if not recorded)
 */
public record SnapshotInfo(String id, String name, long vmStateSize, Instant date, long vmClockNanos, long diskSize,
                           long icount) {
}
