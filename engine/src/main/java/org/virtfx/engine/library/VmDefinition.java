package org.virtfx.engine.library;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.machine.SerialOutput;

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
 * @param nics           network interfaces (model, MAC address, network), in PCI slot order; MAC addresses are kept
 *                       unique in the library (new cards and clones get fresh ones)
 * @param serialPorts    serial ports beyond COM1 and where their output goes
 * @param inputs         input devices beyond the always-present PS/2 keyboard and mouse
 */
@JsonPropertyOrder({"formatVersion", "name", "os", "memoryMiB", "cpus", "bios", "kernel", "initrd", "append", "cdrom",
        "disks", "exitDevice", "onTripleFault", "notes", "nics", "serialPorts", "inputs"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmDefinition(int formatVersion, String name, String os, long memoryMiB, int cpus, String bios,
                           String kernel, String initrd, String append, String cdrom, List<String> disks,
                           boolean exitDevice, String onTripleFault, String notes,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Nic> nics,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<SerialPort> serialPorts,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<InputDevice> inputs) {
    public static final int FORMAT_VERSION = 1;

    /**
     * A network interface.
     *
     * @param model   the card the guest sees: one of {@link #MODELS}, the cards the engine emulates
     * @param mac     its MAC address, {@code 52:54:00:xx:xx:xx} (see {@link MacAddresses})
     * @param network "user" (NAT through the host) or "none" (cable unplugged)
     */
    public record Nic(String model, String mac, String network) {
        /** The emulated cards; the first is what new cards get (the fastest, and what Linux guests drive). */
        public static final List<String> MODELS = List.of("virtio-net", "e1000");
        public static final List<String> NETWORKS = List.of("user", "none");

        public Nic {
            if (!MODELS.contains(model)) {
                throw new IllegalArgumentException("network card model '" + model + "' is not emulated by VirtFX (it has "
                        + String.join(" and ", MODELS) + ")");
            }
            if (!NETWORKS.contains(network)) {
                throw new IllegalArgumentException("unknown network '" + network + "' (known: " + NETWORKS + ")");
            }
            mac = MacAddresses.parse(mac);
        }
    }

    /**
     * A serial port beyond COM1 (which always goes to the window's Serial tab and {@code virtfx run}'s terminal).
     *
     * @param port    2, 3 or 4 (COM2..COM4 at 0x2F8, 0x3E8, 0x2E8)
     * @param logFile where the guest's output on it is written, or null to leave it unconnected
     */
    public record SerialPort(int port, String logFile) {
        public SerialPort {
            if (port < 2 || port > 4) {
                throw new IllegalArgumentException("serial port must be COM2, COM3 or COM4 (2-4), got " + port);
            }
        }
    }

    /**
     * An input device beyond the PS/2 keyboard and mouse every machine has.
     *
     * @param type "tablet" (absolute pointer), "keyboard" or "mouse"
     */
    public record InputDevice(String type) {
        public static final List<String> TYPES = List.of("tablet", "keyboard", "mouse");

        public InputDevice {
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("unknown input device '" + type + "' (known: " + TYPES + ")");
            }
        }
    }

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
        nics = List.copyOf(nics == null ? List.of() : nics);
        serialPorts = List.copyOf(serialPorts == null ? List.of() : serialPorts);
        inputs = List.copyOf(inputs == null ? List.of() : inputs);
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (SerialPort sp : serialPorts) {
            if (!ports.add(sp.port())) {
                throw new IllegalArgumentException("serial port COM" + sp.port() + " is defined twice");
            }
        }
    }

    /** A new machine of the current format with the given basics and nothing attached. */
    public static VmDefinition create(String name, String os, long memoryMiB, int cpus) {
        return new VmDefinition(FORMAT_VERSION, name, os, memoryMiB, cpus, null, null, null, "", null, List.of(),
                false, "crash", "", List.of(), List.of(), List.of());
    }

    public VmDefinition withName(String n) {
        return new VmDefinition(formatVersion, n, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withOs(String o) {
        return new VmDefinition(formatVersion, name, o, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withMemoryMiB(long mib) {
        return new VmDefinition(formatVersion, name, os, mib, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withCpus(int n) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, n, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withBoot(String newBios, String newKernel, String newInitrd, String newAppend) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, newBios, newKernel, newInitrd, newAppend,
                cdrom, disks, exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withCdrom(String iso) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, iso, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withDisks(List<String> newDisks) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom,
                newDisks, exitDevice, onTripleFault, notes, nics, serialPorts, inputs);
    }

    public VmDefinition withNotes(String text) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, text, nics, serialPorts, inputs);
    }

    public VmDefinition withNics(List<Nic> list) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, list, serialPorts, inputs);
    }

    public VmDefinition withSerialPorts(List<SerialPort> list) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, list, inputs);
    }

    public VmDefinition withInputs(List<InputDevice> list) {
        return new VmDefinition(formatVersion, name, os, memoryMiB, cpus, bios, kernel, initrd, append, cdrom, disks,
                exitDevice, onTripleFault, notes, nics, serialPorts, list);
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
                onTripleFault.equals("reset") ? MachineConfig.TripleFaultAction.RESET : MachineConfig.TripleFaultAction.CRASH,
                null, nics.stream().map(n -> new NicConfig(n.model(), n.mac(), n.network())).toList(),
                inputs.stream().map(InputDevice::type).toList(),
                serialPorts.stream().filter(sp -> path(sp.logFile()) != null)
                        .map(sp -> new SerialOutput(sp.port(), path(sp.logFile()))).toList());
    }

    private static Path path(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }
}
