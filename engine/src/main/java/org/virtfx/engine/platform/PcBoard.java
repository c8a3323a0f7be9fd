package org.virtfx.engine.platform;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.virtfx.engine.boot.BadImageException;
import org.virtfx.engine.boot.DirectBoot;
import org.virtfx.engine.boot.E820Entry;
import org.virtfx.engine.boot.KernelImage;
import org.virtfx.engine.boot.LinuxBoot;
import org.virtfx.engine.boot.MultibootLoader;
import org.virtfx.engine.bus.IoBus;
import org.virtfx.engine.bus.IrqLine;
import org.virtfx.engine.bus.MmioBus;
import org.virtfx.engine.cpu.CpuHost;
import org.virtfx.engine.cpu.InterruptController;
import org.virtfx.engine.cpu.SoftwareCpu;
import org.virtfx.engine.cpu.Vcpu;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.devices.DebugCon;
import org.virtfx.engine.devices.Hpet;
import org.virtfx.engine.devices.apic.ApicSystem;
import org.virtfx.engine.devices.apic.IoApic;
import org.virtfx.engine.devices.ide.PiixIde;
import org.virtfx.engine.devices.FwCfg;
import org.virtfx.engine.devices.I8042;
import org.virtfx.engine.devices.IrqGate;
import org.virtfx.engine.devices.vga.StdVga;
import org.virtfx.engine.devices.IsaDebugExit;
import org.virtfx.engine.devices.Pic8259Pair;
import org.virtfx.engine.devices.Pit8254;
import org.virtfx.engine.devices.PostPort;
import org.virtfx.engine.devices.Rtc146818;
import org.virtfx.engine.devices.SystemControlPorts;
import org.virtfx.engine.devices.Uart16550;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.guests.GuestFixtures;
import org.virtfx.engine.machine.Board;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.memory.GuestMemory;
import org.virtfx.engine.memory.PhysicalMemory;
import org.virtfx.engine.net.NetCounters;
import org.virtfx.engine.net.NetworkBackend;
import org.virtfx.engine.pci.I440fxHostBridge;
import org.virtfx.engine.pci.PciBus;
import org.virtfx.engine.pci.Piix3IsaBridge;
import org.virtfx.engine.pci.Piix4Pm;
import org.virtfx.engine.platform.acpi.AcpiTables;
import org.virtfx.engine.platform.acpi.MpTable;
import org.virtfx.engine.snapshot.Snapshottable;
import org.virtfx.engine.storage.BlockDevice;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.virtio.VirtioInput;
import org.virtfx.engine.virtio.VirtioPci;

/**
 * The i440FX PC that Debian's SeaBIOS and unmodified Linux run on: RAM split around the 32-bit PCI hole as QEMU's
 * {@code pc-i440fx} does, the firmware image at the top of 4 GiB with its last 128 KiB in the PAM-controlled shadow
 * window, the legacy ISA devices (8259 pair, 8254, RTC/CMOS, i8042, 16550 x4, port 0x92, debugcon, POST, fw_cfg),
 * the PCI chipset (440FX host bridge, PIIX3 ISA bridge, PIIX4 power management) and the vCPUs. With a kernel and
 * no firmware, the kernel is booted directly (Linux bzImage or multiboot).
 */
public final class PcBoard implements Board {
    /** RAM at or above this size is split: 3 GiB below the PCI hole, the rest from 4 GiB (QEMU's gigabyte alignment). */
    public static final long SPLIT_THRESHOLD = 0xE0000000L;
    public static final long LOW_RAM_WHEN_SPLIT = 0xC0000000L;
    public static final long FOUR_GIB = 1L << 32;
    public static final int MAX_BIOS_SIZE = 16 << 20;
    /** PCI slot of the std VGA (00:02.0), where QEMU puts it too. */
    public static final int VGA_SLOT = 2;
    /** PCI slot of the first network card (00:03.0, as QEMU's first -nic); further cards take the next slots. */
    public static final int FIRST_NIC_SLOT = 3;
    /** Slots 3..31 are free for cards. */
    public static final int MAX_NICS = 32 - FIRST_NIC_SLOT;
    /** System property: enter 64-bit Linux kernels in long mode (needs a CPU with long mode). */
    public static final String LONG_MODE_PROPERTY = "virtfx.boot.longMode";

    private final MachineConfig config;
    private final MachineContext ctx;
    private final GuestMemory ram;
    private final long ramBelow4g;
    private final long ramAbove4g;
    private final IoBus io;
    private final MmioBus mmio;
    private final PhysicalMemory memory;
    private final IsaIrqs isaIrqs = new IsaIrqs();
    private final Pic8259Pair pic;
    private final Pit8254 pit;
    private final Rtc146818 rtc;
    private final SystemControlPorts portA;
    private final I8042 i8042;
    private final Uart16550[] uarts = new Uart16550[4];
    private final DebugCon debugCon = new DebugCon();
    private final PostPort post = new PostPort();
    private final FwCfg fwCfg;
    private final PciBus pci;
    private final I440fxHostBridge hostBridge;
    private final Piix3IsaBridge isaBridge;
    private final Piix4Pm pm;
    private final StdVga vga;
    private final ShadowMemory shadow;
    private final byte[] bios;
    private final DirectBoot directBoot;
    /** A Linux kernel with firmware: SeaBIOS boots it from fw_cfg through QEMU's linuxboot option ROM. */
    private final boolean kernelViaFirmware;
    private final List<X86Cpu> cpus = new ArrayList<>();
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final List<Object> components = new ArrayList<>();
    private final ApicSystem apics;
    private final Hpet hpet;
    private final PiixIde ide;
    private final List<BlockDevice> openedDisks = new ArrayList<>();
    private final List<NetworkBackend> openedBackends = new ArrayList<>();
    /** Traffic of all network cards together (what the GUI graphs per machine). */
    private final NetCounters netCounters = new NetCounters();
    /** Where the tables for a firmware-less boot go: ACPI in the reserved 0xE0000 window, MP in the EBDA KiB. */
    static final long ACPI_BASE = 0xE0000, MP_BASE = 0x9FC00;
    /** OpenFirmware path of the PIIX IDE function (00:01.1) as SeaBIOS matches bootorder entries. */
    static final String IDE_PATH = "/pci@i0cf8/ide@1,1";

    /**
     * @param cpuFactory builds one vCPU per {@link CpuHost} ({@link #softwareCpuFactory()} for the real one)
     * @throws IOException              when the firmware or kernel cannot be read or is unusable (message names it)
     * @throws IllegalArgumentException when the configuration does not fit this board
     */
    public PcBoard(MachineConfig config, MachineContext ctx, Function<CpuHost, X86Cpu> cpuFactory) throws IOException {
        this(config, ctx, cpuFactory, NetworkCards.DEFAULT_BACKENDS);
    }

    /**
     * @param backends opens the network backend of each card ({@link NetworkCards#DEFAULT_BACKENDS} for the real ones)
     */
    public PcBoard(MachineConfig config, MachineContext ctx, Function<CpuHost, X86Cpu> cpuFactory,
                   NetworkCards.Backends backends) throws IOException {
        this.config = Objects.requireNonNull(config);
        this.ctx = Objects.requireNonNull(ctx);
        Objects.requireNonNull(cpuFactory);
        Path biosPath = config.bios() != null ? config.bios() : config.kernel() == null ? GuestFixtures.seabios() : null;
        this.bios = biosPath == null ? null : readBios(biosPath);
        this.kernelViaFirmware = bios != null && config.kernel() != null
                && KernelImage.detect(config.kernel()) == KernelImage.Kind.LINUX_BZIMAGE;

        long size = config.memoryBytes();
        ramBelow4g = size >= SPLIT_THRESHOLD ? LOW_RAM_WHEN_SPLIT : size;
        ramAbove4g = size - ramBelow4g;
        // The VGA's 16 MiB of VRAM follow the guest's RAM in the same segment (mapped only through the card's BAR0
        // and bank window), so the vCPU's RAM fast path covers the framebuffer too.
        ram = GuestMemory.allocate(size + StdVga.VRAM_SIZE);
        boolean done = false;
        try {
            io = new IoBus(ctx.deviceLock());
            mmio = new MmioBus(ctx.deviceLock());
            memory = new PhysicalMemory(ram, mmio);
            mapRam();
            shadow = new ShadowMemory(memory, bios);
            if (bios != null) {
                memory.mapRom(FOUR_GIB - bios.length, bios);
            }

            pic = new Pic8259Pair(ctx);
            for (int i = 0; i < IsaIrqs.COUNT; i++) {
                isaIrqs.addSink(i, pic.line(i));
            }
            pic.attach(io);
            apics = new ApicSystem(ctx, mmio, pic, config.cpus(), CpuHost.DEFAULT_TSC_HZ);
            for (int i = 0; i < IsaIrqs.COUNT; i++) {
                isaIrqs.addSink(i, apics.ioApic().line(i == 0 ? 2 : i));   // ISA IRQ0 is I/O APIC pin 2
            }
            IrqGate pitIrq = new IrqGate(isaIrqs.input(0));
            IrqGate rtcIrq = new IrqGate(isaIrqs.input(8));
            pit = new Pit8254(ctx, pitIrq);
            pit.attach(io);
            rtc = new Rtc146818(ctx, rtcIrq);
            rtc.attach(io);
            portA = new SystemControlPorts(ctx, memory);
            portA.attach(io);
            i8042 = new I8042(ctx, memory, isaIrqs.input(1), isaIrqs.input(12));
            i8042.attach(io);
            for (int i = 0; i < uarts.length; i++) {
                uarts[i] = new Uart16550(ctx, i, isaIrqs.input(Uart16550.IRQS[i]));
                uarts[i].attach(io);
            }
            debugCon.attach(io);
            post.attach(io);
            if (config.exitDevice()) {
                new IsaDebugExit(ctx).attach(io);
            }
            fwCfg = new FwCfg(ctx, memory);
            fwCfg.attach(io);

            pci = new PciBus(io, mmio);
            hostBridge = new I440fxHostBridge(pci);
            hostBridge.attach(io);
            IrqLine[] pirqInputs = new IrqLine[IsaIrqs.COUNT];
            for (int i = 0; i < pirqInputs.length; i++) {
                pirqInputs[i] = isaIrqs.input(i);
            }
            isaBridge = new Piix3IsaBridge(ctx, pirqInputs);
            isaBridge.attach(pci, io);
            apics.chainPciRouting(pci);
            pm = new Piix4Pm(ctx, isaIrqs.input(9));
            pm.attach(pci, io);
            vga = new StdVga(ctx, io, mmio, memory, readVgaBios(), size);
            pci.attach(VGA_SLOT, 0, vga);
            hostBridge.setPamListener(shadow::apply);
            IoApic ioApic = apics.ioApic();
            hpet = new Hpet(ctx, ioApic::line, isaIrqs.input(0), isaIrqs.input(8));
            hpet.replaces(pitIrq, rtcIrq);
            mmio.register("hpet", Hpet.BASE, Hpet.SIZE, hpet);
            ide = new PiixIde(ctx, memory, isaIrqs.input(14), isaIrqs.input(15), openDrives(config), ideCdromPositions(config));
            pci.attach(1, 1, ide);
            ide.mapLegacyPorts(io);
            List<NetworkCards.Card> cards = plugNetworkCards(config, backends);
            List<VirtioPci> inputs = plugInputDevices(config);

            fillCmos();
            fillFwCfg();
            components.addAll(List.of(this, memory, io, mmio, pci, pic, pit, rtc, portA, i8042, debugCon, post, fwCfg,
                    hostBridge, isaBridge, pm, vga));
            components.addAll(Arrays.asList(uarts));
            components.addAll(apics.parts());
            components.addAll(List.of(hpet, ide));
            if (!cards.isEmpty()) {
                components.add(netCounters);
                cards.forEach(c -> components.add(c.device()));
            }
            addInputDevices(inputs);

            directBoot = config.kernel() == null || kernelViaFirmware ? null : loadKernel(config);
            if (kernelViaFirmware) {
                installFirmwareKernel(config);
            }
            fillBootOrder();
            if (directBoot instanceof LinuxBoot linux && bios == null) {
                linux.setAcpiRsdp(ACPI_BASE);
            }
            if (directBoot != null) {
                directBoot.load(memory);
                installFirmwareTables();
            }
            for (int i = 0; i < config.cpus(); i++) {
                InterruptController ic = apics.localApic(i);
                X86Cpu cpu = cpuFactory.apply(new CpuHost(i, config.cpus(), memory, io, ic, ctx, CpuHost.DEFAULT_TSC_HZ));
                cpus.add(cpu);
                apics.attachCpu(i, cpu);
                vcpus.add(i == 0 && directBoot != null ? new BootstrapVcpu(cpu, directBoot) : cpu);
            }
            for (int i = 0; i < cards.size(); i++) {
                NetworkBackend backend = openedBackends.get(i);
                if (backend != null) {
                    try {
                        backend.start(cards.get(i).port());
                    } catch (IOException e) {
                        throw new IOException("network card " + (i + 1) + " (" + config.nics().get(i).model() + "): "
                                + e.getMessage(), e);
                    }
                }
            }
            done = true;
        } finally {
            if (!done) {
                closeBackends();
                ram.close();
                closeDisks();
            }
        }
    }

    /**
     * Plugs the configured network cards into slots 3, 4 ... (QEMU's order), each with its backend opened but not yet
     * started. Every model is checked before any backend opens host sockets.
     */
    private List<NetworkCards.Card> plugNetworkCards(MachineConfig c, NetworkCards.Backends backends) throws IOException {
        if (c.nics().size() > MAX_NICS) {
            throw new IllegalArgumentException("at most " + MAX_NICS + " network cards fit on the PCI bus, not "
                    + c.nics().size());
        }
        List<NetworkCards.Model> models = new ArrayList<>();
        for (NicConfig nic : c.nics()) {
            models.add(NetworkCards.model(nic.model()));
        }
        List<NetworkCards.Card> cards = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            NicConfig nic = c.nics().get(i);
            NetworkBackend backend;
            try {
                backend = backends.open(nic);
            } catch (IOException e) {
                throw new IOException("network card " + (i + 1) + " (" + nic.model() + ", network " + nic.network()
                        + "): " + e.getMessage(), e);
            }
            openedBackends.add(backend);
            NetworkCards.Card card = models.get(i).create(ctx, memory, nic.macBytes(), backend, netCounters);
            pci.attach(FIRST_NIC_SLOT + i, 0, card.device());
            cards.add(card);
        }
        return cards;
    }

    /**
     * Plugs the virtio input devices into the slots after the network cards, as QEMU places {@code -device}s after
     * its {@code -nic}s. An unknown type is an error naming it before anything else is plugged.
     */
    private List<VirtioPci> plugInputDevices(MachineConfig c) {
        if (c.nics().size() + c.inputs().size() > MAX_NICS) {
            throw new IllegalArgumentException("at most " + MAX_NICS + " network cards and input devices fit on the PCI "
                    + "bus, not " + (c.nics().size() + c.inputs().size()));
        }
        List<VirtioInput.Kind> kinds = c.inputs().stream().map(VirtioInput.Kind::parse).toList();
        List<VirtioPci> devices = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            VirtioPci device = new VirtioPci(ctx, memory, new VirtioInput(ctx, kinds.get(i), "virtfx-input-" + i));
            pci.attach(FIRST_NIC_SLOT + c.nics().size() + i, 0, device);
            devices.add(device);
        }
        return devices;
    }

    /**
     * Makes the input devices visible to {@link #lookup}: the first tablet is the machine's
     * {@link AbsolutePointerInput} (viewers send host pointer positions there, the PS/2 mouse stays for relative
     * input); virtio keyboards and mice are for guests and tests that use them, host keys still go to the PS/2
     * keyboard.
     */
    private void addInputDevices(List<VirtioPci> devices) {
        components.addAll(devices);
        for (VirtioPci d : devices) {
            if (d.device() instanceof VirtioInput in && in.kind() == VirtioInput.Kind.TABLET) {
                components.add((AbsolutePointerInput) in::absolute);
                break;
            }
        }
    }

    private void closeBackends() {
        for (NetworkBackend b : openedBackends) {
            if (b != null) {
                b.close();
            }
        }
        openedBackends.clear();
    }

    /** IDE positions: --disk images fill primary master, primary slave, secondary slave; --cdrom is secondary master. */
    private BlockDevice[] openDrives(MachineConfig c) throws IOException {
        if (c.disks().size() > 3) {
            throw new IllegalArgumentException("the IDE controller takes at most 3 disks besides the CD-ROM, not "
                    + c.disks().size());
        }
        int[] positions = {0, 1, 3};
        BlockDevice[] drives = new BlockDevice[4];
        for (int i = 0; i < c.disks().size(); i++) {
            drives[positions[i]] = open(c.disks().get(i), c.diskFormats().get(i), false);
        }
        if (c.cdrom() != null) {
            drives[2] = open(c.cdrom(), null, true);
        }
        return drives;
    }

    private BlockDevice open(Path file, String format, boolean readOnly) throws IOException {
        BlockDevice d = DiskImages.open(file, format, readOnly);
        openedDisks.add(d);
        return d;
    }

    private static boolean[] ideCdromPositions(MachineConfig c) {
        return new boolean[] {false, false, c.cdrom() != null, false};
    }

    private void closeDisks() {
        for (BlockDevice d : openedDisks) {
            try {
                d.close();
            } catch (IOException e) {
                ctx.warnOnce("closing a disk image failed: " + e.getMessage());
            }
        }
        openedDisks.clear();
    }

    /**
     * Without firmware nobody else describes the machine: ACPI tables (RSDP found through the zero page or by the
     * kernel's scan of 0xE0000) and an MP table for kernels without ACPI. Rewritten at every reset.
     */
    private void installFirmwareTables() {
        if (bios != null) {
            return; // firmware present: it builds its own tables
        }
        if (memory.kindOf(ACPI_BASE) != PhysicalMemory.Kind.RAM) {
            memory.mapRam(ACPI_BASE, 0x20000, ACPI_BASE);   // e820 keeps it reserved
        }
        // What SeaBIOS would have done: PM I/O at 0xB000, and ACPI mode on (the FADT has no SMI command port).
        pm.configWrite(Piix4Pm.PMBASE, 4, 0xB001);
        pm.configWrite(Piix4Pm.PMREGMISC, 1, 1);
        io.write(pm.pmBase() + 4, 2, io.read(pm.pmBase() + 4, 2) | 1);
        List<Integer> slots = new ArrayList<>();
        for (int slot = 1; slot <= Math.max(6, FIRST_NIC_SLOT + config.nics().size() + config.inputs().size() - 1); slot++) {
            slots.add(slot);
        }
        long holeStart = ramBelow4g <= 0x8000_0000L ? 0x8000_0000L : ramBelow4g;
        AcpiTables.Image acpi = AcpiTables.build(new AcpiTables.Config(config.cpus(), pm.pmBase(), 9, true,
                slots, holeStart), ACPI_BASE);
        memory.write(ACPI_BASE, acpi.bytes(), 0, acpi.bytes().length);
        if (config.cpus() <= 20) {
            // The MP table lives in the 1 KiB EBDA: it names the first slots only (ACPI's _PRT has them all).
            byte[] mp = MpTable.build(config.cpus(), 0, slots.subList(0, Math.min(slots.size(), 8)), 9, MP_BASE);
            memory.write(MP_BASE, mp, 0, mp.length);
        }
    }

    /** The vCPU factory of the software CPU (the KVM backend will be the other). */
    public static Function<CpuHost, X86Cpu> softwareCpuFactory() {
        return SoftwareCpu::new;
    }

    /** SeaVGABIOS for the std VGA's ROM BAR; without it the card still works, but firmware shows nothing. */
    private byte[] readVgaBios() throws IOException {
        Path rom = GuestFixtures.vgaBios();
        if (!GuestFixtures.present(rom)) {
            ctx.warnOnce("no VGA BIOS at " + rom + " (Debian package seabios): the screen stays blank until the OS sets a mode");
            return null;
        }
        return Files.readAllBytes(rom);
    }

    private static byte[] readBios(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("firmware image not found: " + path);
        }
        long size = Files.size(path);
        if (size < 0x10000 || size > MAX_BIOS_SIZE || size % 0x10000 != 0) {
            throw new BadImageException(String.format("firmware image %s has %d bytes; a BIOS image must be a multiple "
                    + "of 64 KiB between 64 KiB and 16 MiB", path, size));
        }
        return Files.readAllBytes(path);
    }

    private void mapRam() {
        memory.mapRam(0, Math.min(ramBelow4g, 0xA0000), 0);
        if (ramBelow4g > 0x100000) {
            memory.mapRam(0x100000, ramBelow4g - 0x100000, 0x100000);
        }
        if (ramAbove4g > 0) {
            memory.mapRam(FOUR_GIB, ramAbove4g, ramBelow4g);
        }
    }

    /** The memory map a guest is told about (fw_cfg etc/e820 for SeaBIOS, the zero page for direct boot). */
    public List<E820Entry> e820() {
        List<E820Entry> map = new ArrayList<>();
        if (directBootConfigured()) {
            // Without firmware the loader describes the legacy areas itself: EBDA and ROM window reserved.
            map.add(new E820Entry(0, Math.min(0x9FC00, ramBelow4g), E820Entry.RAM));
            map.add(new E820Entry(0x9FC00, 0x400, E820Entry.RESERVED));
            map.add(new E820Entry(0xE0000, 0x20000, E820Entry.RESERVED));
            if (ramBelow4g > 0x100000) {
                map.add(new E820Entry(0x100000, ramBelow4g - 0x100000, E820Entry.RAM));
            }
        } else {
            // SeaBIOS carves out its own reservations from this (as from QEMU's).
            map.add(new E820Entry(0, ramBelow4g, E820Entry.RAM));
        }
        if (ramAbove4g > 0) {
            map.add(new E820Entry(FOUR_GIB, ramAbove4g, E820Entry.RAM));
        }
        return map;
    }

    private boolean directBootConfigured() {
        return config.kernel() != null && bios == null;
    }

    private void installFirmwareKernel(MachineConfig c) throws IOException {
        byte[] rom = FirmwareLinuxBoot.readOptionRom(FirmwareLinuxBoot.LINUXBOOT_ROM);
        if (rom == null) {
            throw new IOException("booting --kernel through the firmware needs QEMU's option ROM "
                    + FirmwareLinuxBoot.LINUXBOOT_ROM + " (Debian package qemu-system-data); without --bios the kernel "
                    + "is booted directly");
        }
        FirmwareLinuxBoot.install(fwCfg, c.kernel(), Files.readAllBytes(c.kernel()), LinuxBoot.readAll(initrdFiles(c)),
                c.append(), ramBelow4g, rom);
    }

    /**
     * QEMU's {@code bootorder} file (OpenFirmware device paths, one a line): the kernel's option ROM first when there is
     * one, then the CD-ROM and the first disk in the order the CMOS boot bytes give too.
     */
    private void fillBootOrder() {
        StringBuilder order = new StringBuilder();
        if (kernelViaFirmware) {
            order.append(FirmwareLinuxBoot.BOOT_ORDER_ENTRY).append('\n');
        }
        if (config.cdrom() != null) {
            order.append(IDE_PATH).append("/drive@1/disk@0\n");   // secondary master
        }
        if (!config.disks().isEmpty()) {
            order.append(IDE_PATH).append("/drive@0/disk@0\n");   // primary master
        }
        byte[] text = order.toString().getBytes(StandardCharsets.US_ASCII);
        fwCfg.putFile("bootorder", Arrays.copyOf(text, text.length + 1));
    }

    private void fillCmos() {
        rtc.setCmos(0x10, 0x00);   // no floppy drives
        rtc.setCmos(0x14, 0x06);   // equipment: FPU, PS/2 mouse, VGA, no floppy
        rtc.setCmos(0x15, 640 & 0xFF);
        rtc.setCmos(0x16, 640 >> 8);
        long kibAbove1m = Math.max(0, Math.min(0xFFFF, (ramBelow4g - 0x100000) / 1024));
        rtc.setCmos(0x17, (int) kibAbove1m & 0xFF);
        rtc.setCmos(0x18, (int) kibAbove1m >> 8);
        rtc.setCmos(0x30, (int) kibAbove1m & 0xFF);
        rtc.setCmos(0x31, (int) kibAbove1m >> 8);
        long units16m = Math.max(0, Math.min(0xFFFF, (ramBelow4g - (16L << 20)) / 65536));
        rtc.setCmos(0x34, (int) units16m & 0xFF);
        rtc.setCmos(0x35, (int) units16m >> 8);
        long unitsHigh = ramAbove4g / 65536;
        rtc.setCmos(0x5B, (int) unitsHigh & 0xFF);
        rtc.setCmos(0x5C, (int) (unitsHigh >> 8) & 0xFF);
        rtc.setCmos(0x5D, (int) (unitsHigh >> 16) & 0xFF);
        rtc.setCmos(0x5F, config.cpus() - 1);
        // Boot order (SeaBIOS on QEMU): 0x3D nibbles = 1st/2nd device, 0x38 bits 7-4 = 3rd; 2 disk, 3 CD-ROM.
        rtc.setCmos(0x3D, config.cdrom() != null ? 0x23 : 0x32);
        rtc.setCmos(0x38, 0x01);   // bit 0: do not check a floppy boot signature
    }

    private void fillFwCfg() {
        fwCfg.put(FwCfg.UUID, uuidBytes(UUID.nameUUIDFromBytes(config.name().getBytes(StandardCharsets.UTF_8))));
        fwCfg.putLong(FwCfg.RAM_SIZE, config.memoryBytes());
        fwCfg.putShort(FwCfg.NB_CPUS, config.cpus());
        fwCfg.putShort(FwCfg.MAX_CPUS, config.cpus());
        fwCfg.putShort(FwCfg.BOOT_MENU, 0);
        fwCfg.putShort(FwCfg.NOGRAPHIC, 0);
        // The PIT's IRQ0 reaches I/O APIC pin 2 (IsaIrqs): SeaBIOS's MADT and MP table say so only when told here,
        // as QEMU does; without the override Linux finds no timer on pin 0 and panics ("IO-APIC + timer doesn't work").
        fwCfg.putInt(FwCfg.IRQ0_OVERRIDE, 1);
        ByteBuffer e820 = ByteBuffer.allocate(20 * e820().size()).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry e : e820()) {
            e820.putLong(e.base()).putLong(e.length()).putInt(e.type());
        }
        fwCfg.putFile("etc/e820", e820.array());
        fwCfg.putFile("etc/show-boot-menu", le16(0));
        fwCfg.putFile("etc/boot-menu-wait", le16(0));
        fwCfg.putFile("etc/sercon-port", le16(Uart16550.BASES[0]));
    }

    /**
     * Tells the firmware there is no display (QEMU's {@code -nographic}): used when the board has no display adapter.
     * SeaBIOS's serial console on COM1 ({@code etc/sercon-port}) is on in any case, so that `virtfx run` shows the
     * firmware's and boot loaders' text on the terminal; with a VGA it mirrors the screen.
     */
    public void setNoGraphic() {
        fwCfg.putShort(FwCfg.NOGRAPHIC, 1);
    }

    private static byte[] le16(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8)};
    }

    private static byte[] uuidBytes(UUID u) {
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    private static List<Path> initrdFiles(MachineConfig c) throws IOException {
        List<Path> initrds = new ArrayList<>();
        if (c.initrd() != null) {
            for (String part : c.initrd().toString().split(",")) {
                if (!part.isEmpty()) {
                    Path p = Path.of(part);
                    if (!Files.isReadable(p)) {
                        throw new IOException("initrd not found or unreadable: " + p);
                    }
                    initrds.add(p);
                }
            }
        }
        return initrds;
    }

    private DirectBoot loadKernel(MachineConfig c) throws IOException {
        KernelImage.Kind kind = KernelImage.detect(c.kernel());
        List<Path> initrds = initrdFiles(c);
        if (kind == KernelImage.Kind.MULTIBOOT) {
            return new MultibootLoader(c.kernel(), initrds, c.append(), e820());
        }
        return new LinuxBoot(c.kernel(), initrds, c.append(), e820(), Boolean.getBoolean(LONG_MODE_PROPERTY), true);
    }

    // ------------------------------------------------------------------ Board

    @Override
    public List<? extends Vcpu> vcpus() {
        return vcpus;
    }

    /** The vCPUs as x86 CPUs (register access, APIC wiring), index 0 first. */
    public List<X86Cpu> x86Cpus() {
        return List.copyOf(cpus);
    }

    @Override
    public void reset() {
        ctx.deviceLock().lock();
        try {
            pic.reset();
            pit.reset();
            rtc.reset();
            portA.reset();
            i8042.reset();
            for (Uart16550 u : uarts) {
                u.reset();
            }
            pci.reset();   // host bridge PAM back to ROM, PIIX3 routing, PM, IDE
            apics.reset();
            hpet.reset();
            memory.setA20(true);
            if (directBoot != null) {
                directBoot.load(memory);
                installFirmwareTables();
            }
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    @Override
    public void awaitStartup(Vcpu vcpu) throws InterruptedException {
        apics.bindCurrentThread(vcpu.index());   // MMIO from this thread now reaches this vCPU's local APIC
        cpus.get(vcpu.index()).awaitStartupSignal();
    }

    @Override
    public boolean pressPowerButton() {
        ctx.deviceLock().lock();
        try {
            return pm.pressPowerButton();
        } finally {
            ctx.deviceLock().unlock();
        }
    }

    /** Adds a device for {@link #lookup} (display adapters, disk controllers wired in by other parts). */
    public void addComponent(Object component) {
        components.add(Objects.requireNonNull(component));
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
        for (Object c : components) {
            if (type.isInstance(c)) {
                return Optional.of(type.cast(c));
            }
        }
        return Optional.empty();
    }

    /** Every part with saved state, in a stable order. */
    public List<Snapshottable> stateParts() {
        List<Snapshottable> parts = new ArrayList<>();
        for (Object c : components) {
            if (c instanceof Snapshottable s) {
                parts.add(s);
            }
        }
        for (X86Cpu cpu : cpus) {
            if (cpu instanceof Snapshottable s) {
                parts.add(s);
            }
        }
        return parts;
    }

    @Override
    public void close() {
        closeBackends();   // first: no more frames arrive from host threads
        vga.close();
        closeDisks();
        ram.close();
    }

    // ------------------------------------------------------------------ wiring accessors for other board parts

    public MachineConfig config() {
        return config;
    }

    public MachineContext context() {
        return ctx;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public IoBus io() {
        return io;
    }

    public MmioBus mmio() {
        return mmio;
    }

    public PciBus pci() {
        return pci;
    }

    public IsaIrqs isaIrqs() {
        return isaIrqs;
    }

    public Pic8259Pair pic() {
        return pic;
    }

    public Rtc146818 rtc() {
        return rtc;
    }

    public FwCfg fwCfg() {
        return fwCfg;
    }

    public Piix4Pm powerManagement() {
        return pm;
    }

    public I8042 keyboardController() {
        return i8042;
    }

    public DebugCon debugCon() {
        return debugCon;
    }

    public long ramBelow4g() {
        return ramBelow4g;
    }

    public long ramAbove4g() {
        return ramAbove4g;
    }

    /** Whether the guest boots a kernel directly (no firmware runs). */
    public boolean directBoot() {
        return directBoot != null;
    }
}
