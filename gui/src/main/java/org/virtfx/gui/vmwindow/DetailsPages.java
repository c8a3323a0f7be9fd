package org.virtfx.gui.vmwindow;

import java.util.ArrayList;
import java.util.List;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.gui.devices.CdromEditor;
import org.virtfx.gui.devices.DiskEditor;
import org.virtfx.gui.devices.InputEditor;
import org.virtfx.gui.devices.SerialEditor;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/** The pages of the Details view for one machine, in virt-manager's order. */
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
            pages.add(new DevicePage<>("Disk " + (i + 1), "mdi2h-harddisk", new DiskEditor(i),
                    d -> index < d.disks().size() ? d.disks().get(index) : null, (d, path) -> withDisk(d, index, path)));
        }
        pages.add(new DevicePage<>("CD-ROM", "mdi2d-disc", new CdromEditor(), VmDefinition::cdrom, VmDefinition::withCdrom));
        pages.add(new DisplayPage(vm));
        String release = VmWindow.parseReleaseKeys(services.settings().releaseKeys).toString();
        pages.add(new DevicePage<>("Input", "mdi2k-keyboard-outline", new InputEditor(), d -> release, null));
        pages.add(new DevicePage<>("Serial 1", "mdi2c-console-line", new SerialEditor(), d -> 0, null));
        return pages;
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
