package org.virtfx.engine.guests;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where `virtfx guests fetch` puts the guest fixtures, and how tests, the demo and the GUI's first run find them.
 * Everything comes from Debian packages unpacked into the cache ({@code $VIRTFX_GUESTS}, default
 * {@code ~/.cache/virtfx/guests}); nothing is ever copied into the repository.
 *
 * <pre>
 * CACHE/seabios/bios-256k.bin, vgabios-stdvga.bin       firmware (Debian seabios)
 * CACHE/ARCH/vmlinuz                                    Debian kernel (ARCH = amd64 cloud, i386 686-pae)
 * CACHE/ARCH/initramfs.cpio                          busybox + modules + /init printing (uncompressed cpio) {@link #MARKER}
 * CACHE/ARCH/grub.iso                                   GRUB rescue ISO booting that kernel + initramfs
 * CACHE/memtest/memtest86+ia32.bin, memtest86+x64.bin   memtest86+ (Linux boot protocol images)
 * CACHE/debian-installer/ARCH/linux, initrd.gz          Debian 12 netboot installer, text variant
 * </pre>
 *
 * The initramfs {@code /init} mounts proc, sys and dev, prints {@link #MARKER} on the serial port and the console,
 * then powers off when the kernel command line contains {@code virtfx.poweroff}, else runs a shell on the console.
 */
public final class GuestFixtures {
    /** The line the fixtures' /init prints when the guest is up. */
    public static final String MARKER = "VIRTFX-GUEST-READY";

    /**
     * Kernel arguments every fixture boot adds: the crypto self-tests take about a second under QEMU TCG but minutes
     * on a software CPU, and prove nothing about the machine. {@code no_timer_check}, as cloud images set it for
     * virtual machines: Linux's boot-time check that the timer interrupt works wants 5 PIT ticks within 80 ms of TSC
     * time, which a busy host (a test suite on 2 cores) cannot always give the timer and vCPU threads; a failed check
     * panics with "IO-APIC + timer doesn't work" although the timer works.
     */
    public static final String FAST_BOOT_ARGS = "cryptomgr.notests no_timer_check";

    public enum Arch {
        AMD64("amd64"), I386("i386");

        private final String dir;

        Arch(String dir) {
            this.dir = dir;
        }

        public String dir() {
            return dir;
        }
    }

    private GuestFixtures() {
    }

    public static Path cacheDir() {
        String env = System.getenv("VIRTFX_GUESTS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "virtfx", "guests");
    }

    public static Path seabios() {
        return firstExisting(cacheDir().resolve("seabios/bios-256k.bin"), Path.of("/usr/share/seabios/bios-256k.bin"));
    }

    public static Path vgaBios() {
        return firstExisting(cacheDir().resolve("seabios/vgabios-stdvga.bin"), Path.of("/usr/share/seabios/vgabios-stdvga.bin"));
    }

    public static Path kernel(Arch arch) {
        return cacheDir().resolve(arch.dir()).resolve("vmlinuz");
    }

    public static Path initramfs(Arch arch) {
        return cacheDir().resolve(arch.dir()).resolve("initramfs.cpio");
    }

    public static Path grubIso(Arch arch) {
        return cacheDir().resolve(arch.dir()).resolve("grub.iso");
    }

    public static Path memtest(Arch arch) {
        return cacheDir().resolve("memtest").resolve(arch == Arch.AMD64 ? "memtest86+x64.bin" : "memtest86+ia32.bin");
    }

    /** The Debian 12 netboot installer's text-variant kernel ({@code debian-installer-12-netboot-ARCH}). */
    public static Path installerKernel(Arch arch) {
        return cacheDir().resolve("debian-installer").resolve(arch.dir()).resolve("linux");
    }

    /** The Debian 12 netboot installer's text-variant initrd. */
    public static Path installerInitrd(Arch arch) {
        return cacheDir().resolve("debian-installer").resolve(arch.dir()).resolve("initrd.gz");
    }

    /** Whether {@code file} is there; tests use it with JUnit assumptions so a machine without fixtures says so. */
    public static boolean present(Path file) {
        return Files.isRegularFile(file);
    }

    private static Path firstExisting(Path a, Path b) {
        return Files.isRegularFile(a) ? a : b;
    }
}
