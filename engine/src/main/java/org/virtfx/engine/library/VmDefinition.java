package org.virtfx.engine.library;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.machine.MachineConfig;

/**
 * A virtual machine as the library stores it: one JSON file per machine. Paths are kept as strings so the file says
 * exactly what the user chose; {@link #toMachineConfig()} turns them into a validated {@link MachineConfig}.
 *
 * @param formatVersion  {@link #FORMAT_VERSION}; files with another version are listed as broken, never rewritten
 * @param name           display name, unique in the library
 * @param os             OS short id from the catalogue ("debian12", "win11", "linux" ...), or "" when unknown
 * @param memoryMiB      guest RAM in MiB
 * @param cpus           number of vCPUs
 * @param bios           firmware image, or null for SeaBIOS (or none with a kernel)
 * @param kernel         kernel for direct boot, or null
 * @param initrd         initial ramdisk for direct boot, or null
 * @param append         kernel command line
 * @param cdrom          ISO in the CD-ROM drive, or null
 * @param disks          disk images, in IDE order
 * @param exitDevice     whether the isa-debug-exit device is present
 * @param onTripleFault  "crash" or "reset"
 * @param notes          free text shown in the overview
 */
@JsonPropertyOrder({"formatVersion", "name", "os", "memoryMiB", "cpus", "bios", "kernel", "initrd", "append", "cdrom",
        "disks", "exitDevice", "onTripleFault", "notes"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmDefinition(int formatVersion, String name, String os, long memoryMiB, int cpus, String bios,
                           String kernel, String initrd, String append, String cdrom, List<String> disks,
                           boolean exitDevice, String onTripleFault, String notes) {
    public static final int FORMAT_VERSION = 1;

    public VmDefinition {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the machine name must not be empty");
        }
        os = os == null ? "" : os;
        append = append == null ? "" : append;
        disks = List.copyOf(disks == null ? List.of() : disks);
        onTripleFault = onTripleFault == null ? "crash" : onTripleFault;
        if (!onTripleFault.equals("crash") && !onTripleFault.equals("reset")) {
            throw new IllegalArgumentException("onTripleFault must be \"crash\" or \"reset\", got \"" + onTripleFault + "\"");
        }
        notes = notes == null ? "" : notes;
    }

    /** A new machine of the current format with the given basics and nothing attached. */
    public static VmDefinition create(String name, String os, long memoryMiB, int cpus) {
        return new VmDefinition(FORMAT_VERSION, name, os, memoryMiB, cpus, null, null, null, "", null, List.of(),
                false, "crash", "");
    }

    public VmDefinition withName(String n) {
        return new VmDefinition(formatVersion, n, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes);
    }

    public VmDefinition withOs(String o) {
        return new VmDefinition(formatVersion, name, o, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes);
    }

    public VmDefinition withMemoryMiB(long mib) {
        return new VmDefinition(formatVersion, name, os, mib, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes);
    }

    public VmDefinition withCpus(int n) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, n, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes);
    }

    public VmDefinition withBoot(String newBios, String newKernel, String newInitrd, String newAppend) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, newBios, newKernel, newInitrd, newAppend,
                cdrom, disks, exitDevice, onTripleFault, notes);
    }

    public VmDefinition withCdrom(String iso) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, iso, disks,
                exitDevice, onTripleFault, notes);
    }

    public VmDefinition withDisks(List<String> newDisks) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom,
                newDisks, exitDevice, onTripleFault, notes);
    }

    public VmDefinition withNotes(String text) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, text);
    }

    /**
     * The engine configuration. Validation of sizes happens in {@link MachineConfig}; files are checked by the board
     * when the machine starts (so a definition whose ISO was moved can still be listed and edited).
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public MachineConfig toMachineConfig() {
        if (memoryMiB < 1 || memoryMiB > MachineConfig.MAX_MEMORY / MachineConfig.MIB) {
            throw new IllegalArgumentException("machine '" + name + "': memory must be between 1 MiB and 1 TiB, got "
                    + memoryMiB + " MiB");
        }
        return new MachineConfig(name, memoryMiB * MachineConfig.MIB, cpus, path(bios), path(kernel), path(initrd),
                append, path(cdrom), disks.stream().map(Path::of).toList(), exitDevice,
                onTripleFault.equals("reset") ? MachineConfig.TripleFaultAction.RESET : MachineConfig.TripleFaultAction.CRASH);
    }

    private static Path path(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }
}
