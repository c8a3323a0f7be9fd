package org.virtfx.gui.vmwindow;

import java.util.ArrayList;
import java.util.List;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;
import org.virtfx.wizards.hardware.CdromEditor;
import org.virtfx.wizards.hardware.DiskEditor;
import org.virtfx.wizards.hardware.InputEditor;
import org.virtfx.wizards.hardware.NicEditor;
import org.virtfx.wizards.hardware.SerialEditor;

/**
 * The pages of the Details view for one machine, in virt-manager's order. Device pages wrap the same editors the Add
 * Hardware dialog uses ({@code org.virtfx.wizards.hardware}), one page per device of the definition.
 */
final class DetailsPages {
    private DetailsPages() {
    }

    static List<DetailsPage> forMachine(AppServices services, VmSession vm) {
        List<DetailsPage> pages = new ArrayList<>();
        pages.add(new OverviewPage(vm));
        pages.add(new OsPage());
        pages.add(new PerformancePage(services, vm));
        pages.add(new CpusPage());
        pages.add(new MemoryPage(services, vm));
        pages.add(new BootPage());
        VmDefinition def = vm.definition();
        for (int i = 0; i < def.disks().size(); i++) {
            int index = i;
            pages.add(new DevicePage<>("Disk " + (i + 1), DiskEditor.attached(i),
                    d -> index < d.disks().size() ? d.disks().get(index) : null, (d, path) -> withDisk(d, index, path)));
        }
        pages.add(new DevicePage<>("CD-ROM", CdromEditor.attached(), VmDefinition::cdrom, VmDefinition::withCdrom));
        for (int i = 0; i < def.nics().size(); i++) {
            int index = i;
            pages.add(new DevicePage<>("NIC " + (i + 1), NicEditor.attached(() -> otherMacs(services, vm, index)),
                    d -> index < d.nics().size() ? d.nics().get(index) : null, (d, nic) -> withNic(d, index, nic)));
        }
        pages.add(new DisplayPage(vm));
        String release = VmWindow.parseReleaseKeys(services.settings().releaseKeys).toString();
        pages.add(new DevicePage<>("Input", InputEditor.attached(release), d -> null, null));
        for (int i = 0; i < def.inputs().size(); i++) {
            int index = i;
            pages.add(new DevicePage<>("Input " + (i + 2) + " (" + def.inputs().get(i).type() + ")",
                    InputEditor.addedDevice(release), d -> index < d.inputs().size() ? d.inputs().get(index) : null,
                    (d, device) -> withInput(d, index, device)));
        }
        pages.add(new DevicePage<>("Serial 1", SerialEditor.attached(), d -> SerialEditor.com1(), null));
        for (VmDefinition.SerialPort port : def.serialPorts()) {
            int com = port.port();
            pages.add(new DevicePage<>("Serial " + com, SerialEditor.addedPort(), d -> d.serialPorts().stream()
                    .filter(p -> p.port() == com).findFirst().map(SerialEditor::of).orElse(null),
                    (d, edited) -> withSerialPort(d, com, edited)));
        }
        return pages;
    }

    /**
     * What decides the device pages: when an outside change (Add Hardware) alters it, the list is built anew; edits
     * of a device's settings do not.
     */
    static List<Object> deviceSet(VmDefinition def) {
        return List.of(def.disks().size(), def.nics().size(), def.inputs(), def.serialPorts().stream()
                .map(VmDefinition.SerialPort::port).toList());
    }

    /** The MAC addresses of every card in the library except card {@code index} of {@code vm}. */
    private static List<String> otherMacs(AppServices services, VmSession vm, int index) {
        List<String> macs = new ArrayList<>();
        for (VmSession s : services.sessions()) {
            VmDefinition d = s.definition();
            for (int k = 0; d != null && k < d.nics().size(); k++) {
                if (s != vm || k != index) {
                    macs.add(d.nics().get(k).mac());
                }
            }
        }
        return macs;
    }

    /** The definition with card {@code index} replaced, or removed when {@code nic} is null. */
    private static VmDefinition withNic(VmDefinition def, int index, VmDefinition.Nic nic) {
        List<VmDefinition.Nic> nics = new ArrayList<>(def.nics());
        if (index < nics.size()) {
            if (nic == null) {
                nics.remove(index);
            } else {
                nics.set(index, nic);
            }
        } else if (nic != null) {
            nics.add(nic);
        }
        return def.withNics(nics);
    }

    /** The definition with added input device {@code index} replaced, or removed when {@code device} is null. */
    private static VmDefinition withInput(VmDefinition def, int index, VmDefinition.InputDevice device) {
        List<VmDefinition.InputDevice> inputs = new ArrayList<>(def.inputs());
        if (index < inputs.size()) {
            if (device == null) {
                inputs.remove(index);
            } else {
                inputs.set(index, device);
            }
        } else if (device != null) {
            inputs.add(device);
        }
        return def.withInputs(inputs);
    }

    /** The definition with port COM{@code com}'s log file as edited, or without the port when {@code edited} is null. */
    private static VmDefinition withSerialPort(VmDefinition def, int com, SerialEditor.Port edited) {
        List<VmDefinition.SerialPort> ports = new ArrayList<>();
        for (VmDefinition.SerialPort p : def.serialPorts()) {
            if (p.port() != com) {
                ports.add(p);
            } else if (edited != null) {
                ports.add(new VmDefinition.SerialPort(com, edited.logFile()));
            }
        }
        return def.withSerialPorts(ports);
    }

    /** The definition with disk {@code index} replaced, or removed when {@code path} is null. */
    private static VmDefinition withDisk(VmDefinition def, int index, String path) {
        List<String> disks = new ArrayList<>(def.disks());
        if (index >= disks.size()) {
            if (path != null) {
                disks.add(path);
            }
        } else if (path == null) {
            disks.remove(index);
        } else {
            disks.set(index, path);
        }
        return def.withDisks(disks);
    }
}
