package org.virtfx.engine.osinfo;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One operating system the New VM wizard can offer, with what it needs. Sizes are bytes. Installation media are
 * recognised by their ISO volume id (and, where given, system/publisher/application ids), as libosinfo does.
 *
 * @param id          libosinfo-style id, e.g. "http://debian.org/debian/12"
 * @param shortId     e.g. "debian12"
 * @param name        e.g. "Debian 12"
 * @param family      "linux", "winnt", "freebsd", "msdos", "other" ...
 * @param distro      e.g. "debian", "ubuntu", "win", or "" when none
 * @param version     e.g. "12"
 * @param media       how its installation media look
 */
public record OsEntry(String id, String shortId, String name, String family, String distro, String version,
                      long minimumRam, long recommendedRam, int recommendedCpus, long recommendedStorage,
                      List<Media> media) {
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    /**
     * A medium of this OS: an ISO whose identifiers match these patterns (null = not checked).
     *
     * @param arch "x86_64", "i686" ... as libosinfo names them
     */
    public record Media(String arch, Pattern volumeId, Pattern systemId, Pattern publisherId, Pattern applicationId,
                        String kernel, String initrd) {
        boolean matches(IsoImage iso) {
            return volumeId != null && volumeId.matcher(iso.volumeId()).matches()
                    && (systemId == null || systemId.matcher(iso.systemId()).matches())
                    && (publisherId == null || publisherId.matcher(iso.publisherId()).matches())
                    && (applicationId == null || applicationId.matcher(iso.applicationId()).matches());
        }
    }

    public OsEntry {
        media = List.copyOf(media);
    }

    /** The catalogue's catch-all for a Linux that could not be pinned down. */
    public static OsEntry genericLinux() {
        return new OsEntry("http://virtfx.org/linux/generic", "linux", "Generic Linux", "linux", "", "",
                256 * MIB, 1 * GIB, 1, 10 * GIB, List.of());
    }
}
