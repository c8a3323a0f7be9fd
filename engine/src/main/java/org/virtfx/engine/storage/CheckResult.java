package org.virtfx.engine.storage;

import java.util.List;

/**
 * Outcome of {@link DiskImage#check(RepairMode)}, with qemu-img check's counters ({@code --output=json} names in
 * brackets).
 *
 * @param corruptions        errors that endanger data [corruptions]
 * @param leaks              clusters allocated but used by nothing [leaks]
 * @param checkErrors        things that could not be checked (I/O errors) [check-errors]
 * @param corruptionsFixed   [corruptions-fixed]
 * @param leaksFixed         [leaks-fixed]
 * @param allocatedClusters  guest clusters with data [allocated-clusters]
 * @param totalClusters      guest clusters of the virtual disk [total-clusters]
 * @param fragmentedClusters allocated clusters not contiguous with the previous one [fragmented-clusters]
 * @param compressedClusters [compressed-clusters]
 * @param imageEndOffset     end of the last used host cluster [image-end-offset]
 * @param messages           one line per finding ("Leaked cluster 5 refcount=1 reference=0"...)
 */
public record CheckResult(long corruptions, long leaks, long checkErrors, long corruptionsFixed, long leaksFixed,
                          long allocatedClusters, long totalClusters, long fragmentedClusters, long compressedClusters,
                          long imageEndOffset, List<String> messages) {

    public CheckResult {
        messages = List.copyOf(messages);
    }

    /** qemu-img check's exit status: 0 clean, 2 corruptions remain, 3 only leaks remain, 1 check errors. */
    public int exitStatus() {
        if (checkErrors > 0) {
            return 1;
        }
        if (corruptions - corruptionsFixed > 0) {
            return 2;
        }
        if (leaks - leaksFixed > 0) {
            return 3;
        }
        return 0;
    }
}
