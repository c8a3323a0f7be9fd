package org.virtfx.gui.vmwindow;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.gui.graphs.PerformanceGraph;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.VmSession;

/** The pages of the Details view, built for one machine. */
final class DetailsPages {
    private DetailsPages() {
    }

    static List<DetailsPage> forMachine(AppServices services, VmSession vm) {
        List<DetailsPage> pages = new ArrayList<>();
        pages.add(new Overview(vm));
        pages.add(new Os());
        pages.add(new Performance(services, vm));
        pages.add(new Cpus());
        pages.add(new Memory(services));
        pages.add(new Boot());
        VmDefinition def = vm.definition();
        for (int i = 0; i < def.disks().size(); i++) {
            pages.add(new Disk(i));
        }
        pages.add(new Cdrom());
        pages.add(new Display(vm));
        pages.add(new Info("Input", "mdi2k-keyboard-outline", "PS/2 keyboard and PS/2 mouse on the i8042 controller.\n"
                + "The console sends keys by position (evdev codes); the guest's keyboard layout decides what they type."));
        pages.add(new Info("Serial 1", "mdi2c-console-line", "16550A UART at COM1 (I/O 0x3F8, IRQ 4), connected to the "
                + "Serial tab of this window. Linux guests use it with console=ttyS0."));
        return pages;
    }

    static GridPane grid() {
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(8);
        g.setPadding(new Insets(4, 0, 0, 0));
        return g;
    }

    static Label label(String text) {
        Label l = new Label(text);
        l.setMinWidth(120);
        return l;
    }

    // ------------------------------------------------------------------ pages

    static final class Overview extends DetailsPage {
        private final VmSession vm;
        private final TextField name = new TextField();
        private final TextArea notes = new TextArea();
        private final Label file = new Label();
        private final Label state = new Label();
        private final GridPane grid = grid();

        Overview(VmSession vm) {
            super("Overview", "mdi2i-information-outline");
            this.vm = vm;
            name.setId("overviewName");
            notes.setPrefRowCount(4);
            notes.setWrapText(true);
            name.textProperty().addListener((o, a, b) -> changed());
            notes.textProperty().addListener((o, a, b) -> changed());
            grid.addRow(0, label("Name"), name);
            grid.addRow(1, label("State"), state);
            grid.addRow(2, label("Definition file"), file);
            grid.addRow(3, label("Notes"), notes);
            GridPane.setHgrow(name, Priority.ALWAYS);
            state.textProperty().bind(vm.stateProperty().asString());
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            name.setText(def.name());
            notes.setText(def.notes());
            file.setText(vm.file().toString());
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            String n = name.getText() == null ? "" : name.getText().strip();
            if (n.isEmpty()) {
                throw new IllegalArgumentException("the name must not be empty");
            }
            return def.withName(n).withNotes(notes.getText());
        }
    }

    static final class Os extends DetailsPage {
        private final ComboBox<OsEntry> os = new ComboBox<>();
        private final VBox box = new VBox(8);

        Os() {
            super("OS information", "mdi2p-penguin");
            List<OsEntry> entries = new ArrayList<>(OsCatalog.bundled().entries());
            entries.add(OsEntry.genericLinux());
            os.getItems().setAll(entries);
            os.setConverter(new javafx.util.StringConverter<>() {
                @Override
                public String toString(OsEntry e) {
                    return e == null ? "Unknown" : e.name();
                }

                @Override
                public OsEntry fromString(String s) {
                    return null;
                }
            });
            os.valueProperty().addListener((o, a, b) -> changed());
            box.getChildren().addAll(new Label("Operating system (used for recommendations and the OS column):"), os);
        }

        @Override
        Node content() {
            return box;
        }

        @Override
        void fill(VmDefinition def) {
            os.setValue(os.getItems().stream().filter(e -> e.shortId().equals(def.os())).findFirst().orElse(null));
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            return def.withOs(os.getValue() == null ? "" : os.getValue().shortId());
        }
    }

    static final class Performance extends DetailsPage {
        private final VBox box = new VBox(8);
        private final List<PerformanceGraph> graphs = new ArrayList<>();

        Performance(AppServices services, VmSession vm) {
            super("Performance", "mdi2c-chart-line");
            double interval = services.settings().graphIntervalMillis / 1000.0;
            PerformanceGraph cpu = new PerformanceGraph("CPU usage", PerformanceGraph::percent, 100, new String[] {""}, vm.cpu);
            cpu.setId("graphCpu");
            PerformanceGraph mem = new PerformanceGraph("Guest memory (allocated)", PerformanceGraph::mib, 0, new String[] {""}, vm.memory);
            PerformanceGraph disk = new PerformanceGraph("Disk I/O", PerformanceGraph::bytesPerSecond, 0,
                    new String[] {"read", "write"}, vm.diskRead, vm.diskWrite);
            PerformanceGraph net = new PerformanceGraph("Network I/O", PerformanceGraph::bytesPerSecond, 0, new String[] {""});
            net.setEmptyText("no network devices");
            PerformanceGraph hostCpu = new PerformanceGraph("Host CPU", PerformanceGraph::percent, 100, new String[] {""}, services.hostCpu);
            PerformanceGraph hostMem = new PerformanceGraph("Host memory used", PerformanceGraph::mib, 0, new String[] {""}, services.hostMemory);
            graphs.addAll(List.of(cpu, mem, disk, net, hostCpu, hostMem));
            for (PerformanceGraph g : graphs) {
                g.setIntervalSeconds(interval);
                g.setPrefHeight(150);
            }
            box.getChildren().addAll(graphs);
        }

        @Override
        Node content() {
            javafx.scene.control.ScrollPane sp = new javafx.scene.control.ScrollPane(box);
            sp.setFitToWidth(true);
            return sp;
        }

        @Override
        void fill(VmDefinition def) {
        }

        @Override
        boolean editable() {
            return false;
        }

        @Override
        void tick() {
            graphs.forEach(PerformanceGraph::redraw);
        }

        List<PerformanceGraph> graphs() {
            return graphs;
        }
    }

    static final class Cpus extends DetailsPage {
        private final Spinner<Integer> cpus = new Spinner<>(1, MachineConfig.MAX_CPUS, 1);
        private final GridPane grid = grid();

        Cpus() {
            super("CPUs", "mdi2c-chip");
            cpus.setId("cpuSpinner");
            cpus.setEditable(true);
            cpus.valueProperty().addListener((o, a, b) -> changed());
            grid.addRow(0, label("vCPUs"), cpus);
            grid.addRow(1, label("Host CPUs"), new Label(Runtime.getRuntime().availableProcessors() + " (each vCPU is one host thread)"));
            grid.addRow(2, label("Model"), new Label("VirtFX software x86 CPU"));
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            cpus.getValueFactory().setValue(def.cpus());
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            cpus.commitValue();
            return def.withCpus(cpus.getValue());
        }
    }

    static final class Memory extends DetailsPage {
        private final Spinner<Integer> mib = new Spinner<>(new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 1 << 20, 256, 64));
        private final GridPane grid = grid();

        Memory(AppServices services) {
            super("Memory", "mdi2m-memory");
            mib.setId("memorySpinner");
            mib.setEditable(true);
            mib.valueProperty().addListener((o, a, b) -> changed());
            mib.getEditor().textProperty().addListener((o, a, b) -> changed());
            grid.addRow(0, label("Memory (MiB)"), mib);
            long host = services.hostMemoryTotalMiB();
            grid.addRow(1, label("Host memory"), new Label(host > 0 ? PerformanceGraph.mib(host) : "unknown"));
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            mib.getValueFactory().setValue((int) Math.min(Integer.MAX_VALUE, def.memoryMiB()));
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            try {
                mib.commitValue();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("memory: not a number: " + mib.getEditor().getText());
            }
            return def.withMemoryMiB(mib.getValue());
        }
    }

    static final class Boot extends DetailsPage {
        private final FileField bios = new FileField("biosField", "Firmware image", new FileChooser.ExtensionFilter("Firmware", "*.bin", "*.rom", "*.fd"),
                new FileChooser.ExtensionFilter("All files", "*"));
        private final FileField kernel = new FileField("kernelField", "Kernel", new FileChooser.ExtensionFilter("All files", "*"));
        private final FileField initrd = new FileField("initrdField", "Initial ramdisk", new FileChooser.ExtensionFilter("All files", "*"));
        private final TextField append = new TextField();
        private final GridPane grid = grid();

        Boot() {
            super("Boot options", "mdi2r-rocket-launch-outline");
            for (FileField f : List.of(bios, kernel, initrd)) {
                f.textProperty().addListener((o, a, b) -> changed());
                GridPane.setHgrow(f, Priority.ALWAYS);
            }
            append.textProperty().addListener((o, a, b) -> changed());
            grid.addRow(0, label("Firmware"), bios);
            grid.addRow(1, label("Direct kernel boot"), kernel);
            grid.addRow(2, label("Initial ramdisk"), initrd);
            grid.addRow(3, label("Kernel arguments"), append);
            grid.add(new Label("Empty firmware means SeaBIOS (or none when a kernel is booted directly)."), 1, 4);
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            bios.setValue(def.bios());
            kernel.setValue(def.kernel());
            initrd.setValue(def.initrd());
            append.setText(def.append());
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            for (String p : new String[] {bios.problem("firmware"), kernel.problem("kernel"), initrd.problem("initial ramdisk")}) {
                if (p != null) {
                    throw new IllegalArgumentException(p);
                }
            }
            if (initrd.value() != null && kernel.value() == null) {
                throw new IllegalArgumentException("an initial ramdisk needs a kernel");
            }
            return def.withBoot(bios.value(), kernel.value(), initrd.value(), append.getText());
        }
    }

    static final class Disk extends DetailsPage {
        private final int index;
        private final FileField image;
        private final Label info = new Label();
        private final GridPane grid = grid();

        Disk(int index) {
            super("Disk " + (index + 1), "mdi2h-harddisk");
            this.index = index;
            image = new FileField("diskField" + index, "Disk image",
                    new FileChooser.ExtensionFilter("Disk images", "*.qcow2", "*.img", "*.raw", "*.vdi", "*.vmdk", "*.vhd", "*.vhdx"),
                    new FileChooser.ExtensionFilter("All files", "*"));
            image.textProperty().addListener((o, a, b) -> changed());
            GridPane.setHgrow(image, Priority.ALWAYS);
            grid.addRow(0, label("Image"), image);
            grid.addRow(1, label("Bus"), new Label(index < 2 ? "IDE primary " + (index == 0 ? "master" : "slave") : "IDE secondary slave"));
            grid.addRow(2, label("Size"), info);
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            String p = index < def.disks().size() ? def.disks().get(index) : null;
            image.setValue(p);
            try {
                info.setText(p == null ? "" : PerformanceGraph.mib(java.nio.file.Files.size(java.nio.file.Path.of(p)) / 1048576.0) + " on the host");
            } catch (java.io.IOException e) {
                info.setText("cannot read the image: " + e.getMessage());
            }
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            String problem = image.problem("disk " + (index + 1));
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            List<String> disks = new ArrayList<>(def.disks());
            if (image.value() == null) {
                disks.remove(index);
            } else {
                disks.set(index, image.value());
            }
            return def.withDisks(disks);
        }
    }

    static final class Cdrom extends DetailsPage {
        private final FileField iso = new FileField("cdromField", "ISO image",
                new FileChooser.ExtensionFilter("ISO images", "*.iso"), new FileChooser.ExtensionFilter("All files", "*"));
        private final GridPane grid = grid();

        Cdrom() {
            super("CD-ROM", "mdi2d-disc");
            iso.textProperty().addListener((o, a, b) -> changed());
            GridPane.setHgrow(iso, Priority.ALWAYS);
            grid.addRow(0, label("ISO image"), iso);
            grid.addRow(1, label("Bus"), new Label("IDE secondary master (ATAPI)"));
            grid.add(new Label("Clear the field to eject the medium."), 1, 2);
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            iso.setValue(def.cdrom());
        }

        @Override
        VmDefinition apply(VmDefinition def) {
            String problem = iso.problem("CD-ROM");
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return def.withCdrom(iso.value());
        }
    }

    static final class Display extends DetailsPage {
        private final VmSession vm;
        private final Label mode = new Label();
        private final GridPane grid = grid();

        Display(VmSession vm) {
            super("Display", "mdi2m-monitor");
            this.vm = vm;
            grid.addRow(0, label("Adapter"), new Label("Standard VGA with Bochs VBE (PCI 1234:1111)"));
            grid.addRow(1, label("Current mode"), mode);
        }

        @Override
        Node content() {
            return grid;
        }

        @Override
        void fill(VmDefinition def) {
            tick();
        }

        @Override
        boolean editable() {
            return false;
        }

        @Override
        void tick() {
            var surface = vm.boardProperty().get() == null ? null
                    : vm.boardProperty().get().lookup(DisplaySurface.class).orElse(null);
            mode.setText(surface == null ? "not running" : surface.width() + " × " + surface.height());
        }
    }

    static final class Info extends DetailsPage {
        private final Label text;

        Info(String title, String icon, String description) {
            super(title, icon);
            text = new Label(description);
            text.setWrapText(true);
        }

        @Override
        Node content() {
            return text;
        }

        @Override
        void fill(VmDefinition def) {
        }

        @Override
        boolean editable() {
            return false;
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
