package org.virtfx.wizards;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.OsCatalog;

/**
 * What the wizards need from the application, hand-wired by the manager window (or a test).
 *
 * @param operations   the library operations (create, clone, add hardware, delete)
 * @param imageFolder  default folder for new disk images (Preferences)
 * @param imageFormat  default format for new disks, "qcow2" or "raw" (Preferences)
 * @param recentFile   where the recently used installation media are remembered
 * @param catalog      the operating systems to offer and to detect, as it is being loaded: reading osinfo-db (hundreds
 *                     of XML files) takes a while, so it is loaded on a worker thread and the New VM wizard says
 *                     "loading" until it is there
 * @param host         what the host has, to bound memory and CPUs
 */
public record WizardContext(VmOperations operations, Path imageFolder, String imageFormat, Path recentFile,
                            CompletableFuture<OsCatalog> catalog, HostLimits host) {
    public WizardContext {
        imageFormat = "raw".equals(imageFormat) ? "raw" : "qcow2";
    }

    /** With a catalogue that is already loaded. */
    public WizardContext(VmOperations operations, Path imageFolder, String imageFormat, Path recentFile,
                         OsCatalog catalog, HostLimits host) {
        this(operations, imageFolder, imageFormat, recentFile, CompletableFuture.completedFuture(catalog), host);
    }
}
