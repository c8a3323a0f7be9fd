package org.virtfx.engine.machine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a machine is made of: everything `virtfx run` options and the GUI's VM definitions turn into. Immutable;
 * validated on construction so that a bad value is reported before anything starts.
 *
 * @param name          display name (also used for thread names)
 * @param memoryBytes   guest RAM, a positive multiple of 1 MiB
 * @param cpus          number of vCPUs, 1..64
 * @param bios          firmware image, or null for the default (SeaBIOS at its Debian path) or none with a kernel
 * @param kernel        Linux bzImage or multiboot kernel for direct boot, or null
 * @param initrd        initial ramdisk for direct boot, or null
 * @param append        kernel command line ("" when none)
 * @param cdrom         ISO image for the ATAPI CD-ROM, or null
 * @param disks         disk images on the IDE bus, in order
 * @param exitDevice    whether the QEMU-compatible isa-debug-exit device sits at port 0xf4
 * @param onTripleFault what a triple fault does
 * @param diskFormats   image format of each disk, in the order of {@code disks} ("raw", "qcow2"...; null: probed);
 *                      empty means every format is probed
 * @param nics          network cards, in PCI slot order (slot 3 onwards, as QEMU places them)
 * @param inputs        virtio input devices ("tablet", "keyboard", "mouse"), on the PCI slots after the network
 *                      cards; the PS/2 keyboard and mouse are always there besides them
 * @param serialOutputs log files for COM2..COM4 (at most one per port); a port not listed is left unconnected
 */
public record MachineConfig(String name, long memoryBytes, int cpus, Path bios, Path kernel, Path initrd, String append,
                            Path cdrom, List<Path> disks, boolean exitDevice, TripleFaultAction onTripleFault,
                            List<String> diskFormats, List<NicConfig> nics, List<String> inputs,
                            List<SerialOutput> serialOutputs) {

    public static final long MIB = 1L << 20;
    public static final int MAX_CPUS = 64;
    /** The largest guest this engine will map: 1 TiB. */
    public static final long MAX_MEMORY = 1L << 40;

    public enum TripleFaultAction { RESET, CRASH }

    public MachineConfig {
        Objects.requireNonNull(name, "name");
        if (memoryBytes < MIB || memoryBytes % MIB != 0 || memoryBytes > MAX_MEMORY) {
            throw new IllegalArgumentException("memory must be between 1 MiB and 1 TiB in whole MiB, got " + memoryBytes + " bytes");
        }
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be between 1 and " + MAX_CPUS + ", got " + cpus);
        }
        append = append == null ? "" : append;
        disks = List.copyOf(disks == null ? List.of() : disks);
        onTripleFault = onTripleFault == null ? TripleFaultAction.CRASH : onTripleFault;
        if (diskFormats == null || diskFormats.isEmpty()) {
            diskFormats = Collections.nCopies(disks.size(), null);
        } else if (diskFormats.size() != disks.size()) {
            throw new IllegalArgumentException("diskFormats has " + diskFormats.size() + " entries for "
                    + disks.size() + " disks");
        } else {
            diskFormats = Collections.unmodifiableList(new ArrayList<>(diskFormats)); // null entries allowed
        }
        nics = List.copyOf(nics == null ? List.of() : nics);
        inputs = List.copyOf(inputs == null ? List.of() : inputs);
        serialOutputs = List.copyOf(serialOutputs == null ? List.of() : serialOutputs);
        if (serialOutputs.stream().map(SerialOutput::port).distinct().count() != serialOutputs.size()) {
            throw new IllegalArgumentException("a serial port has more than one log file: " + serialOutputs);
        }
    }

    /** A machine whose extra serial ports are unconnected. */
    public MachineConfig(String name, long memoryBytes, int cpus, Path bios, Path kernel, Path initrd, String append,
                         Path cdrom, List<Path> disks, boolean exitDevice, TripleFaultAction onTripleFault,
                         List<String> diskFormats, List<NicConfig> nics, List<String> inputs) {
        this(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice, onTripleFault, diskFormats,
                nics, inputs, List.of());
    }

    /** A machine without virtio input devices. */
    public MachineConfig(String name, long memoryBytes, int cpus, Path bios, Path kernel, Path initrd, String append,
                         Path cdrom, List<Path> disks, boolean exitDevice, TripleFaultAction onTripleFault,
                         List<String> diskFormats, List<NicConfig> nics) {
        this(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice, onTripleFault, diskFormats,
                nics, List.of());
    }

    /** A machine without network cards. */
    public MachineConfig(String name, long memoryBytes, int cpus, Path bios, Path kernel, Path initrd, String append,
                         Path cdrom, List<Path> disks, boolean exitDevice, TripleFaultAction onTripleFault,
                         List<String> diskFormats) {
        this(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice, onTripleFault, diskFormats,
                List.of());
    }

    /** A machine whose disk formats are all probed. */
    public MachineConfig(String name, long memoryBytes, int cpus, Path bios, Path kernel, Path initrd, String append,
                         Path cdrom, List<Path> disks, boolean exitDevice, TripleFaultAction onTripleFault) {
        this(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice, onTripleFault, null,
                List.of());
    }

    /** The same machine with these network cards. */
    public MachineConfig withNics(List<NicConfig> newNics) {
        return new MachineConfig(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice,
                onTripleFault, diskFormats, newNics, inputs, serialOutputs);
    }

    /** The same machine with these virtio input devices. */
    public MachineConfig withInputs(List<String> newInputs) {
        return new MachineConfig(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice,
                onTripleFault, diskFormats, nics, newInputs, serialOutputs);
    }

    /** The same machine with these serial log files. */
    public MachineConfig withSerialOutputs(List<SerialOutput> outputs) {
        return new MachineConfig(name, memoryBytes, cpus, bios, kernel, initrd, append, cdrom, disks, exitDevice,
                onTripleFault, diskFormats, nics, inputs, outputs);
    }

    public static MachineConfig minimal(String name, long memoryBytes, int cpus) {
        return new MachineConfig(name, memoryBytes, cpus, null, null, null, "", null, List.of(), false, TripleFaultAction.CRASH);
    }
}
