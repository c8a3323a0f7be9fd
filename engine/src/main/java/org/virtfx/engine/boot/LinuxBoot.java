package org.virtfx.engine.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Boots a Linux bzImage directly, as {@code qemu -kernel} does but without running the real-mode setup code: the
 * protected-mode kernel goes to 1 MiB, a zero page ({@code struct boot_params}) receives the kernel's setup header,
 * the e820 map, the command line and initrd location, and the CPU starts at the 32-bit entry ({@code code32_start},
 * flat CS 0x10 / DS 0x18, ESI = zero page) or, for a 64-bit kernel on a CPU with long mode, at the 64-bit entry
 * (load address + 0x200) with identity-mapped page tables. Follows Linux {@code Documentation/arch/x86/boot.rst}.
 */
public final class LinuxBoot implements DirectBoot {
    public static final long GDT = 0x500;
    public static final long ZERO_PAGE = 0x7000;
    public static final long STACK_TOP = 0x8FF0;
    public static final long PML4 = 0x9000;
    public static final long CMDLINE = 0x20000;
    public static final long KERNEL_LOAD = 0x100000;
    public static final int MIN_PROTOCOL = 0x0202;
    private static final int HDRS = 0x53726448;
    private static final int LOADED_HIGH = 0x01;
    private static final int XLF_KERNEL_64 = 0x01;
    private static final long DEFAULT_INITRD_MAX = 0x37FFFFFFL;
    /** 64-bit entry identity-maps the first 1 GiB: everything the kernel needs at entry must lie below. */
    private static final long IDENTITY_LIMIT = 1L << 30;

    private final Path file;
    private final byte[] setupHeader;   // bytes 0x1F1 .. end of header
    private final byte[] protectedMode;
    private final byte[] initrd;
    private final byte[] cmdline;
    private final int protocol;
    private final boolean kernel64;
    private final long initSize;
    private final List<E820Entry> e820;
    private final boolean longMode;
    private final boolean vgaText;
    private long acpiRsdp;
    private long initrdAddress;

    /**
     * @param kernelFile   the bzImage (named in errors)
     * @param initrdFiles  initrd files to concatenate (Linux accepts concatenated cpio archives), may be empty
     * @param e820         the guest memory map
     * @param useLongMode  enter 64-bit kernels in long mode (only when the CPU implements it)
     * @param vgaText      describe an 80x25 VGA text console in the zero page's screen_info
     * @throws BadImageException when the file is not a bootable bzImage or does not fit in RAM
     */
    public LinuxBoot(Path kernelFile, List<Path> initrdFiles, String commandLine, List<E820Entry> e820,
                     boolean useLongMode, boolean vgaText) throws IOException {
        this(kernelFile, Files.readAllBytes(kernelFile), readAll(initrdFiles), commandLine, e820, useLongMode, vgaText);
    }

    /** The initrd files concatenated, each padded to 4 bytes (also used by the firmware kernel boot). */
    public static byte[] readAll(List<Path> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Path p : files) {
            byte[] b = Files.readAllBytes(p);
            out.write(b);
            // cpio archives are 4-byte aligned; pad so a second archive starts on a boundary
            while (out.size() % 4 != 0) {
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    public LinuxBoot(Path kernelFile, byte[] image, byte[] initrd, String commandLine, List<E820Entry> e820,
                     boolean useLongMode, boolean vgaText) throws BadImageException {
        this.file = Objects.requireNonNull(kernelFile);
        this.e820 = List.copyOf(e820);
        this.initrd = initrd == null ? new byte[0] : initrd;
        this.vgaText = vgaText;
        if (image.length < 0x264 + 4) {
            throw new BadImageException("not a Linux kernel: " + file + " (too short for a boot header)");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0x202) != HDRS || (b.getShort(0x1FE) & 0xFFFF) != 0xAA55) {
            throw new BadImageException("not a Linux kernel: " + file + " (no bzImage boot header)");
        }
        protocol = b.getShort(0x206) & 0xFFFF;
        if (protocol < MIN_PROTOCOL) {
            throw new BadImageException(String.format("%s: boot protocol %d.%02d is too old (need 2.02 or newer)",
                    file, protocol >> 8, protocol & 0xFF));
        }
        if ((image[0x211] & LOADED_HIGH) == 0) {
            throw new BadImageException(file + ": a zImage (loaded low) kernel; only bzImage kernels are supported");
        }
        int setupSects = image[0x1F1] & 0xFF;
        if (setupSects == 0) {
            setupSects = 4;
        }
        int setupBytes = (setupSects + 1) * 512;
        if (setupBytes >= image.length) {
            throw new BadImageException(file + ": truncated kernel (setup of " + setupBytes + " bytes, file of " + image.length + ")");
        }
        int headerEnd = 0x202 + (image[0x201] & 0xFF);
        setupHeader = java.util.Arrays.copyOfRange(image, 0x1F1, Math.min(headerEnd, 0x290));
        protectedMode = java.util.Arrays.copyOfRange(image, setupBytes, image.length);
        kernel64 = protocol >= 0x020C && (b.getShort(0x236) & XLF_KERNEL_64) != 0;
        longMode = useLongMode && kernel64;
        long init = protocol >= 0x020A ? b.getInt(0x260) & 0xFFFFFFFFL : 0;
        initSize = Math.max(init, protectedMode.length);
        int cmdlineMax = protocol >= 0x0206 ? b.getInt(0x238) : 255;
        byte[] cl = commandLine.getBytes(StandardCharsets.US_ASCII);
        if (cl.length > cmdlineMax || cl.length > 0xFFFF) {
            throw new BadImageException(String.format("%s: command line of %d bytes is longer than the kernel accepts (%d)",
                    file, cl.length, cmdlineMax));
        }
        cmdline = java.util.Arrays.copyOf(cl, cl.length + 1);
        long ramTop = lowRamTop();
        if (KERNEL_LOAD + initSize > ramTop) {
            throw new BadImageException(String.format("%s needs %d MiB of RAM to boot; the machine has %d MiB below 4 GiB",
                    file, (KERNEL_LOAD + initSize + (1 << 20) - 1) >> 20, ramTop >> 20));
        }
        long initrdMax = protocol >= 0x0203 ? b.getInt(0x22C) & 0xFFFFFFFFL : DEFAULT_INITRD_MAX;
        if (this.initrd.length > 0) {
            long top = Math.min(ramTop, initrdMax + 1);
            if (longMode) {
                top = Math.min(top, IDENTITY_LIMIT);
            }
            long addr = (top - this.initrd.length) & ~0xFFFL;
            if (addr < KERNEL_LOAD + initSize) {
                throw new BadImageException(String.format("initrd of %d bytes does not fit in guest RAM next to %s "
                        + "(RAM below 4 GiB: %d MiB)", this.initrd.length, file, ramTop >> 20));
            }
            initrdAddress = addr;
        }
    }

    /** End of the RAM that starts at 1 MiB (the kernel, initrd and everything else go there). */
    private long lowRamTop() {
        for (E820Entry e : e820) {
            if (e.type() == E820Entry.RAM && e.base() <= KERNEL_LOAD && e.end() > KERNEL_LOAD) {
                return Math.min(e.end(), 1L << 32);
            }
        }
        return 0;
    }

    public int protocol() {
        return protocol;
    }

    public boolean isKernel64() {
        return kernel64;
    }

    public boolean usesLongMode() {
        return longMode;
    }

    public long initrdAddress() {
        return initrdAddress;
    }

    public int initrdSize() {
        return initrd.length;
    }

    @Override
    public void load(PhysicalMemory memory) {
        memory.write(KERNEL_LOAD, protectedMode, 0, protectedMode.length);
        if (initrd.length > 0) {
            memory.write(initrdAddress, initrd, 0, initrd.length);
        }
        memory.write(CMDLINE, cmdline, 0, cmdline.length);
        byte[] zp = zeroPage();
        memory.write(ZERO_PAGE, zp, 0, zp.length);
        DirectBoot.writeFlatGdt(memory, GDT, longMode);
        if (longMode) {
            writePageTables(memory);
        }
    }

    /** The boot_params page as the kernel will find it. */
    public byte[] zeroPage() {
        ByteBuffer zp = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        if (vgaText) {
            zp.put(0x06, (byte) 3);      // orig_video_mode: 80x25 colour text
            zp.put(0x07, (byte) 80);     // orig_video_cols
            zp.put(0x0E, (byte) 25);     // orig_video_lines
            zp.put(0x0F, (byte) 1);      // orig_video_isVGA
            zp.putShort(0x10, (short) 16);   // orig_video_points (font height)
        }
        zp.put(0x1F1, setupHeader);
        zp.putLong(0x070, acpiRsdp);                 // acpi_rsdp_addr (0: the kernel scans for the RSDP itself)
        zp.putShort(0x1FA, (short) 0xFFFF);          // vid_mode: normal
        zp.put(0x210, (byte) 0xFF);                  // type_of_loader: undefined boot loader
        zp.put(0x211, (byte) ((zp.get(0x211) | LOADED_HIGH) & ~0x80));   // no heap: we do not run the setup code
        zp.putInt(0x214, (int) KERNEL_LOAD);         // code32_start
        zp.putInt(0x218, (int) initrdAddress);
        zp.putInt(0x21C, initrd.length);
        zp.putInt(0x228, (int) CMDLINE);             // cmd_line_ptr
        int n = Math.min(e820.size(), 128);
        zp.put(0x1E8, (byte) n);
        for (int i = 0; i < n; i++) {
            E820Entry e = e820.get(i);
            zp.putLong(0x2D0 + 20 * i, e.base());
            zp.putLong(0x2D0 + 20 * i + 8, e.length());
            zp.putInt(0x2D0 + 20 * i + 16, e.type());
        }
        return zp.array();
    }

    /** Tells the kernel where the board put the ACPI RSDP (boot protocol 2.14 acpi_rsdp_addr). */
    public void setAcpiRsdp(long address) {
        this.acpiRsdp = address;
    }

    private static void writePageTables(PhysicalMemory memory) {
        long pdpt = PML4 + 0x1000;
        long pd = PML4 + 0x2000;
        memory.write(PML4, 8, pdpt | 3);
        for (int i = 1; i < 512; i++) {
            memory.write(PML4 + 8L * i, 8, 0);
            memory.write(pdpt + 8L * i, 8, 0);
        }
        memory.write(pdpt, 8, pd | 3);
        for (int i = 0; i < 512; i++) {
            memory.write(pd + 8L * i, 8, ((long) i << 21) | 0x83);   // present, writable, 2 MiB page
        }
    }

    @Override
    public void enter(X86Cpu cpu) {
        if (!longMode) {
            DirectBoot.enterFlat32(cpu, GDT, KERNEL_LOAD);
            cpu.setGpr(X86Cpu.RSI, ZERO_PAGE);
            return;
        }
        cpu.setDescriptorTable(false, GDT, 0x1F);
        cpu.setDescriptorTable(true, 0, 0);
        cpu.setControlRegister(4, 0x20);                    // PAE
        cpu.setControlRegister(3, PML4);
        cpu.writeMsr(0xC0000080, 0x500);                    // EFER: LME | LMA
        cpu.setControlRegister(0, 0x80000011L);             // PG | ET | PE
        cpu.loadSegment(X86Cpu.Segment.CS, 0x10, 0, 0xFFFFFFFF, 0xA09B);
        for (X86Cpu.Segment s : new X86Cpu.Segment[] {X86Cpu.Segment.DS, X86Cpu.Segment.ES, X86Cpu.Segment.SS,
                X86Cpu.Segment.FS, X86Cpu.Segment.GS}) {
            cpu.loadSegment(s, 0x18, 0, 0xFFFFFFFF, 0xC093);
        }
        for (int r = 0; r < 16; r++) {
            cpu.setGpr(r, 0);
        }
        cpu.setGpr(X86Cpu.RSP, STACK_TOP);
        cpu.setGpr(X86Cpu.RBP, STACK_TOP);
        cpu.setGpr(X86Cpu.RSI, ZERO_PAGE);
        cpu.setRflags(0x2);
        cpu.setRip(KERNEL_LOAD + 0x200);
    }
}
