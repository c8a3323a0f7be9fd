package org.virtfx.engine.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.virtfx.engine.cpu.X86Cpu;
import org.virtfx.engine.memory.PhysicalMemory;

/**
 * Loads a multiboot v1 kernel (GNU Multiboot Specification 0.6.96) without firmware: an ELF32 image by its program
 * headers, or any image by the header's address fields (the "a.out kludge", flag 16), with modules (the
 * {@code --initrd} files) page-aligned after the kernel, and the multiboot information block with memory sizes,
 * the e820-derived memory map, the command line and the boot loader name. The CPU enters with EAX = 0x2BADB002 and
 * EBX = the information block, flat 32-bit segments, paging off.
 */
public final class MultibootLoader implements DirectBoot {
    public static final int BOOTLOADER_MAGIC = 0x2BADB002;
    public static final long GDT = 0x500;
    public static final long INFO = 0x8000;
    /** Everything the loader writes itself lives in [INFO, INFO_END): the kernel must not load there. */
    public static final long INFO_END = 0xA000;
    private static final int SUPPORTED_FLAGS = 0x00010007;
    private static final String LOADER_NAME = "VirtFX";

    private record Segment(long address, byte[] data, long memSize) {
    }

    private record Module(long address, byte[] data, String name) {
    }

    private final Path file;
    private final List<Segment> segments = new ArrayList<>();
    private final List<Module> modules = new ArrayList<>();
    private final long entry;
    private final String commandLine;
    private final List<E820Entry> e820;

    public MultibootLoader(Path kernelFile, List<Path> moduleFiles, String append, List<E820Entry> e820) throws IOException {
        this.file = Objects.requireNonNull(kernelFile);
        this.e820 = List.copyOf(e820);
        byte[] image = Files.readAllBytes(kernelFile);
        int hdr = KernelImage.multibootHeaderOffset(image, Math.min(image.length, KernelImage.MULTIBOOT_SEARCH));
        if (hdr < 0) {
            throw new BadImageException("not a multiboot kernel: " + file + " (no valid multiboot header)");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int flags = b.getInt(hdr + 4);
        if ((flags & 0xFFFF & ~SUPPORTED_FLAGS) != 0) {
            throw new BadImageException(String.format("%s: multiboot header requires features 0x%x this loader does not "
                    + "provide", file, flags & 0xFFFF & ~SUPPORTED_FLAGS));
        }
        if ((flags & 0x10000) != 0) {
            entry = loadByAddressFields(image, b, hdr);
        } else {
            entry = loadElf(image, b);
        }
        commandLine = (kernelFile.toString() + " " + (append == null ? "" : append)).trim();
        long ramTop = lowRamTop();
        long next = 0;
        for (Segment s : segments) {
            long end = s.address + Math.max(s.memSize, s.data.length);
            if (s.address < INFO_END && end > INFO) {
                throw new BadImageException(String.format("%s: loads at 0x%x-0x%x, over the loader's boot information area",
                        file, s.address, end));
            }
            if (end > ramTop) {
                throw new BadImageException(String.format("%s: loads up to 0x%x, beyond the guest RAM (%d MiB below 4 GiB)",
                        file, end, ramTop >> 20));
            }
            next = Math.max(next, end);
        }
        for (Path m : moduleFiles) {
            byte[] data = Files.readAllBytes(m);
            long addr = (next + 0xFFF) & ~0xFFFL;
            if (addr + data.length > ramTop) {
                throw new BadImageException("multiboot module " + m + " (" + data.length + " bytes) does not fit in guest RAM");
            }
            modules.add(new Module(addr, data, m.toString()));
            next = addr + data.length;
        }
    }

    private long loadByAddressFields(byte[] image, ByteBuffer b, int hdr) throws BadImageException {
        long headerAddr = b.getInt(hdr + 12) & 0xFFFFFFFFL;
        long loadAddr = b.getInt(hdr + 16) & 0xFFFFFFFFL;
        long loadEnd = b.getInt(hdr + 20) & 0xFFFFFFFFL;
        long bssEnd = b.getInt(hdr + 24) & 0xFFFFFFFFL;
        long entryAddr = b.getInt(hdr + 28) & 0xFFFFFFFFL;
        long fileOffset = hdr - (headerAddr - loadAddr);
        if (headerAddr < loadAddr || fileOffset < 0 || fileOffset > image.length) {
            throw new BadImageException(file + ": multiboot address fields are inconsistent (header_addr below load_addr)");
        }
        long length = loadEnd == 0 ? image.length - fileOffset : loadEnd - loadAddr;
        if (length < 0 || fileOffset + length > image.length) {
            throw new BadImageException(file + ": multiboot load_end_addr lies beyond the end of the file");
        }
        long memSize = bssEnd == 0 ? length : bssEnd - loadAddr;
        if (memSize < length) {
            throw new BadImageException(file + ": multiboot bss_end_addr lies before load_end_addr");
        }
        segments.add(new Segment(loadAddr, java.util.Arrays.copyOfRange(image, (int) fileOffset, (int) (fileOffset + length)), memSize));
        return entryAddr;
    }

    private long loadElf(byte[] image, ByteBuffer b) throws BadImageException {
        if (image.length < 52 || b.getInt(0) != 0x464C457F) {
            throw new BadImageException(file + ": multiboot kernel is neither ELF nor has address fields (flag 16)");
        }
        if (image[4] != 1) {
            throw new BadImageException(file + ": 64-bit ELF multiboot kernels are not supported (multiboot v1 is 32-bit)");
        }
        if (image[5] != 1 || (b.getShort(18) & 0xFFFF) != 3) {
            throw new BadImageException(file + ": not a little-endian i386 ELF file");
        }
        long phoff = b.getInt(28) & 0xFFFFFFFFL;
        int phentsize = b.getShort(42) & 0xFFFF;
        int phnum = b.getShort(44) & 0xFFFF;
        if (phentsize < 32 || phoff + (long) phentsize * phnum > image.length) {
            throw new BadImageException(file + ": ELF program headers lie outside the file");
        }
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) != 1) {
                continue;   // PT_LOAD only
            }
            long offset = b.getInt(ph + 4) & 0xFFFFFFFFL;
            long paddr = b.getInt(ph + 12) & 0xFFFFFFFFL;
            long filesz = b.getInt(ph + 16) & 0xFFFFFFFFL;
            long memsz = b.getInt(ph + 20) & 0xFFFFFFFFL;
            if (offset + filesz > image.length || memsz < filesz) {
                throw new BadImageException(file + ": ELF segment " + i + " lies outside the file");
            }
            segments.add(new Segment(paddr, java.util.Arrays.copyOfRange(image, (int) offset, (int) (offset + filesz)), memsz));
        }
        if (segments.isEmpty()) {
            throw new BadImageException(file + ": ELF file has no loadable segment");
        }
        return b.getInt(24) & 0xFFFFFFFFL;
    }

    private long lowRamTop() {
        for (E820Entry e : e820) {
            if (e.type() == E820Entry.RAM && e.base() <= 0x100000 && e.end() > 0x100000) {
                return Math.min(e.end(), 1L << 32);
            }
        }
        return 0x100000;
    }

    public long entry() {
        return entry;
    }

    @Override
    public void load(PhysicalMemory memory) {
        for (Segment s : segments) {
            memory.write(s.address, s.data, 0, s.data.length);
            long bss = s.memSize - s.data.length;
            if (bss > 0) {
                byte[] zeros = new byte[(int) Math.min(bss, 1 << 20)];
                for (long done = 0; done < bss; done += zeros.length) {
                    memory.write(s.address + s.data.length + done, zeros, 0, (int) Math.min(zeros.length, bss - done));
                }
            }
        }
        for (Module m : modules) {
            memory.write(m.address, m.data, 0, m.data.length);
        }
        byte[] info = infoArea();
        memory.write(INFO, info, 0, info.length);
        DirectBoot.writeFlatGdt(memory, GDT, false);
    }

    /** The bytes of [INFO, INFO_END): info block at +0, memory map at +0x100, module list at +0x800, strings at +0xC00. */
    byte[] infoArea() {
        ByteBuffer a = ByteBuffer.allocate((int) (INFO_END - INFO)).order(ByteOrder.LITTLE_ENDIAN);
        int mmapOff = 0x100;
        int modsOff = 0x800;
        int stringsOff = 0xC00;
        long lowerKiB = 0;
        long upperKiB = 0;
        int mmapLen = 0;
        for (E820Entry e : e820) {
            if (e.type() == E820Entry.RAM && e.base() == 0) {
                lowerKiB = Math.min(e.end(), 0xA0000) / 1024;
            }
            if (e.type() == E820Entry.RAM && e.base() <= 0x100000 && e.end() > 0x100000) {
                upperKiB = (Math.min(e.end(), 1L << 32) - 0x100000) / 1024;
            }
            if (mmapOff + mmapLen + 24 <= modsOff) {
                int p = mmapOff + mmapLen;
                a.putInt(p, 20);
                a.putLong(p + 4, e.base());
                a.putLong(p + 12, e.length());
                a.putInt(p + 20, e.type());
                mmapLen += 24;
            }
        }
        int str = stringsOff;
        int cmdlineAddr = (int) INFO + str;
        str = putString(a, str, commandLine);
        int loaderAddr = (int) INFO + str;
        str = putString(a, str, LOADER_NAME);
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            int nameAddr = (int) INFO + str;
            str = putString(a, str, m.name);
            int p = modsOff + 16 * i;
            if (p + 16 > stringsOff) {
                break;
            }
            a.putInt(p, (int) m.address);
            a.putInt(p + 4, (int) (m.address + m.data.length));
            a.putInt(p + 8, nameAddr);
        }
        int flags = 0x001 | 0x004 | 0x008 | 0x040 | 0x200;   // mem, cmdline, mods, mmap, boot loader name
        a.putInt(0, flags);
        a.putInt(4, (int) lowerKiB);
        a.putInt(8, (int) upperKiB);
        a.putInt(16, cmdlineAddr);
        a.putInt(20, modules.size());
        a.putInt(24, (int) INFO + modsOff);
        a.putInt(44, mmapLen);
        a.putInt(48, (int) INFO + mmapOff);
        a.putInt(64, loaderAddr);
        return a.array();
    }

    /** Writes a NUL-terminated string (cut to fit the area) and returns the next free offset. */
    private static int putString(ByteBuffer a, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.max(0, Math.min(b.length, a.capacity() - off - 1));
        a.put(off, b, 0, n);
        a.put(off + n, (byte) 0);
        return Math.min(a.capacity() - 1, off + n + 1);
    }

    @Override
    public void enter(X86Cpu cpu) {
        DirectBoot.enterFlat32(cpu, GDT, entry);
        cpu.setGpr(X86Cpu.RAX, BOOTLOADER_MAGIC & 0xFFFFFFFFL);
        cpu.setGpr(X86Cpu.RBX, INFO);
    }
}
