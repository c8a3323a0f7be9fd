package org.virtfx.engine.guests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds the guest fixtures from Debian packages: downloads them with {@code apt-get download} into the cache, using a
 * private apt state there (so i386 packages can be had without `dpkg --add-architecture` and without root), unpacks
 * them with {@code dpkg-deb -x}, and builds an initramfs and a GRUB rescue ISO per architecture.
 *
 * <p>Idempotent: each product is rebuilt only when missing. Every product is written to a temporary name and renamed
 * into place, so an interrupted fetch never leaves a half-written fixture behind.
 */
public final class FixtureFetcher {
    /** Modules the initramfs carries (with their dependencies) when the kernel has them as modules. */
    private static final List<String> MODULES = List.of(
            "virtio_pci", "virtio_blk", "virtio_net", "e1000", "virtio_console", "virtio_rng", "virtio_input", "evdev", "virtio_balloon",
            "ata_piix", "ata_generic", "sd_mod", "sr_mod", "ext4", "ext2", "vfat", "isofs", "nls_cp437",
            "nls_iso8859_1", "nls_ascii", "crc32c_generic", "bochs", "serio_raw", "psmouse", "rtc_cmos");
    /** Bumped whenever what goes into the initramfs or ISO changes, so existing caches are rebuilt. */
    private static final String RECIPE = "8";

    private final Path cache;
    private final PrintStream log;
    private final Path aptDir;

    public FixtureFetcher(Path cache, PrintStream log) {
        this.cache = cache;
        this.log = log;
        this.aptDir = cache.resolve("apt");
    }

    /** Fetches and builds everything missing. */
    public void fetchAll() throws IOException, InterruptedException {
        Files.createDirectories(cache);
        requireTool("apt-get", "apt (this needs a Debian or Ubuntu system)");
        requireTool("dpkg-deb", "dpkg");
        boolean haveAll = GuestFixtures.present(GuestFixtures.seabios()) && GuestFixtures.present(GuestFixtures.vgaBios())
                && Stream.of(GuestFixtures.Arch.values()).allMatch(a -> GuestFixtures.present(GuestFixtures.kernel(a))
                && GuestFixtures.present(GuestFixtures.initramfs(a)) && GuestFixtures.present(GuestFixtures.grubIso(a))
                && GuestFixtures.present(GuestFixtures.memtest(a)) && recipeCurrent(a)
                && GuestFixtures.present(GuestFixtures.installerKernel(a))
                && GuestFixtures.present(GuestFixtures.installerInitrd(a)));
        if (haveAll) {
            log.println("guest fixtures are complete in " + cache);
            return;
        }
        aptUpdate();
        Path debs = cache.resolve("debs");
        Files.createDirectories(debs);

        if (!GuestFixtures.present(cache.resolve("seabios/bios-256k.bin"))) {
            Path root = unpack(download(debs, "seabios"), "seabios");
            Path out = cache.resolve("seabios");
            Files.createDirectories(out);
            for (String f : List.of("bios-256k.bin", "bios.bin", "vgabios-stdvga.bin")) {
                copyAtomically(root.resolve("usr/share/seabios").resolve(f), out.resolve(f));
            }
        }
        if (!GuestFixtures.present(GuestFixtures.memtest(GuestFixtures.Arch.AMD64))
                || !GuestFixtures.present(GuestFixtures.memtest(GuestFixtures.Arch.I386))) {
            Path root = unpack(download(debs, "memtest86+"), "memtest");
            Path out = cache.resolve("memtest");
            Files.createDirectories(out);
            for (String f : List.of("memtest86+x64.bin", "memtest86+ia32.bin")) {
                copyAtomically(root.resolve("boot").resolve(f), out.resolve(f));
            }
        }
        for (GuestFixtures.Arch a : GuestFixtures.Arch.values()) {
            fetchInstaller(a, debs);
        }
        buildArch(GuestFixtures.Arch.AMD64, "linux-image-cloud-amd64", "busybox-static", debs);
        buildArch(GuestFixtures.Arch.I386, "linux-image-686-pae:i386", "busybox-static:i386", debs);
        log.println("guest fixtures are complete in " + cache);
    }

    private void buildArch(GuestFixtures.Arch arch, String kernelMeta, String busyboxPkg, Path debs)
            throws IOException, InterruptedException {
        Path kernel = GuestFixtures.kernel(arch);
        Path initramfs = GuestFixtures.initramfs(arch);
        Path iso = GuestFixtures.grubIso(arch);
        if (GuestFixtures.present(kernel) && GuestFixtures.present(initramfs) && GuestFixtures.present(iso)
                && recipeCurrent(arch)) {
            return;
        }
        Path dir = cache.resolve(arch.dir());
        Files.createDirectories(dir);
        String kernelPkg = resolveKernelPackage(kernelMeta);
        Path kroot = unpack(download(debs, kernelPkg), arch.dir() + "-kernel");
        Path vmlinuz;
        try (Stream<Path> s = Files.list(kroot.resolve("boot"))) {
            vmlinuz = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst()
                    .orElseThrow(() -> new IOException("package " + kernelPkg + " has no /boot/vmlinuz-*"));
        }
        copyAtomically(vmlinuz, kernel);
        Path bbroot = unpack(download(debs, busyboxPkg), arch.dir() + "-busybox");
        Path busybox = bbroot.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            busybox = bbroot.resolve("usr/bin/busybox");
        }
        if (!Files.isRegularFile(busybox)) {
            throw new IOException("package " + busyboxPkg + " has no busybox binary");
        }
        Path modulesRoot;
        try (Stream<Path> s = Files.list(kroot.resolve("lib/modules"))) {
            modulesRoot = s.findFirst().orElseThrow(() -> new IOException("package " + kernelPkg + " has no modules"));
        }
        writeInitramfs(initramfs, Files.readAllBytes(busybox), modulesRoot);
        Files.deleteIfExists(dir.resolve("initramfs.cpio.gz")); // the compressed one of recipes 1 and 2
        buildIso(dir, kernel, initramfs, iso);
        Files.writeString(dir.resolve("recipe"), RECIPE);
    }

    private boolean recipeCurrent(GuestFixtures.Arch arch) {
        try {
            return RECIPE.equals(Files.readString(cache.resolve(arch.dir()).resolve("recipe")).strip());
        } catch (IOException e) {
            return false;
        }
    }

    /** Extracts only the text variant's kernel and initrd from the (large) netboot package. */
    private void fetchInstaller(GuestFixtures.Arch arch, Path debs) throws IOException, InterruptedException {
        Path kernel = GuestFixtures.installerKernel(arch);
        Path initrd = GuestFixtures.installerInitrd(arch);
        if (GuestFixtures.present(kernel) && GuestFixtures.present(initrd)) {
            return;
        }
        Path deb = download(debs, "debian-installer-12-netboot-" + arch.dir());
        Path dir = kernel.getParent();
        Files.createDirectories(dir);
        String base = "./usr/lib/debian-installer/images/12/" + arch.dir() + "/text/debian-installer/" + arch.dir() + "/";
        Path tmp = dir.resolve("extract.tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        Result r = exec(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" \"$2linux\" \"$2initrd.gz\"",
                deb.toString(), tmp.toString(), base), cache);
        if (r.code != 0) {
            throw new IOException("cannot extract the installer from " + deb + ": " + r.output.strip());
        }
        copyAtomically(tmp.resolve(base).resolve("linux"), kernel);
        copyAtomically(tmp.resolve(base).resolve("initrd.gz"), initrd);
        deleteTree(tmp);
        Files.deleteIfExists(deb); // 130 MB that nothing else needs
    }

    // ---------------------------------------------------------------- apt

    private List<String> aptOptions() {
        return List.of("-q", "-o", "Dir::State=" + aptDir.resolve("state"), "-o", "Dir::Cache=" + aptDir.resolve("cache"),
                "-o", "Dir::State::status=/dev/null", "-o", "Debug::NoLocking=1",
                "-o", "APT::Architectures::=amd64", "-o", "APT::Architectures::=i386",
                "-o", "APT::Sandbox::User=root");
    }

    private void aptUpdate() throws IOException, InterruptedException {
        Path lists = aptDir.resolve("state/lists");
        Files.createDirectories(lists.resolve("partial"));
        Files.createDirectories(aptDir.resolve("cache/archives/partial"));
        log.println("virtfx guests: reading Debian package lists (amd64 and i386)...");
        List<String> cmd = new ArrayList<>(List.of("apt-get"));
        cmd.addAll(aptOptions());
        cmd.add("update");
        Result r = exec(cmd, cache);
        if (r.code != 0) {
            // A mirror caught mid-sync fails one index; downloads still work from the others. Report and go on.
            log.println("virtfx guests: warning: apt-get update reported problems; continuing with the lists it got:\n  "
                    + r.output.strip().replace("\n", "\n  "));
        }
    }

    private String resolveKernelPackage(String meta) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("apt-cache"));
        cmd.addAll(aptOptions());
        cmd.addAll(List.of("depends", meta));
        Result r = exec(cmd, cache);
        for (String line : r.output.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Depends: linux-image-")) {
                return t.substring("Depends: ".length()).trim();
            }
        }
        throw new IOException("cannot find the kernel package behind " + meta + " in Debian's package lists:\n" + r.output);
    }

    private Path download(Path debs, String pkg) throws IOException, InterruptedException {
        String base = pkg.contains(":") ? pkg.substring(0, pkg.indexOf(':')) : pkg;
        String arch = pkg.contains(":") ? pkg.substring(pkg.indexOf(':') + 1) : null;
        Path existing = findDeb(debs, base, arch);
        if (existing != null) {
            return existing;
        }
        log.println("virtfx guests: downloading " + pkg + "...");
        List<String> cmd = new ArrayList<>(List.of("apt-get"));
        cmd.addAll(aptOptions());
        cmd.addAll(List.of("download", pkg));
        Result r = exec(cmd, debs);
        Path deb = findDeb(debs, base, arch);
        if (r.code != 0 || deb == null) {
            throw new IOException("cannot download Debian package " + pkg + ":\n" + r.output.strip());
        }
        return deb;
    }

    private static Path findDeb(Path debs, String base, String arch) throws IOException {
        try (Stream<Path> s = Files.list(debs)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                if (!n.startsWith(base + "_") || !n.endsWith(".deb")) {
                    return false;
                }
                String a = n.substring(n.lastIndexOf('_') + 1, n.length() - 4);
                return arch == null ? (a.equals("amd64") || a.equals("all")) : a.equals(arch);
            }).findFirst().orElse(null);
        }
    }

    private Path unpack(Path deb, String name) throws IOException, InterruptedException {
        Path root = cache.resolve("unpacked").resolve(name);
        Path done = root.resolve(".unpacked-" + deb.getFileName());
        if (Files.exists(done)) {
            return root;
        }
        deleteTree(root);
        Files.createDirectories(root);
        Result r = exec(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), cache);
        if (r.code != 0) {
            throw new IOException("cannot unpack " + deb + ": " + r.output.strip());
        }
        Files.createFile(done);
        return root;
    }

    // ---------------------------------------------------------------- initramfs

    /** The /init of the fixtures: busybox init with an inittab, so that `poweroff` and `reboot` work in the shell. */
    static String rcScript() {
        return """
                #!/bin/sh
                export PATH=/bin:/sbin
                mount -t proc proc /proc
                mount -t sysfs sysfs /sys
                mount -t devtmpfs devtmpfs /dev 2>/dev/null
                mkdir -p /dev/pts /tmp /mnt && mount -t devpts devpts /dev/pts
                for m in $(cat /etc/modules.order); do insmod /lib/modules/$m 2>/dev/null; done
                hostname virtfx-guest
                for t in /dev/ttyS0 /dev/tty0; do echo "%s" > $t 2>/dev/null; done
                if grep -q virtfx.poweroff /proc/cmdline; then poweroff -f; fi
                """.formatted(GuestFixtures.MARKER);
    }

    /**
     * What busybox udhcpc runs on a lease ({@code bound}, {@code renew}) or before asking ({@code deconfig}): the
     * address, the default route and the name servers it was given, set with {@code ip}. udhcpc's {@code mask} is the
     * prefix length.
     */
    static String udhcpcScript() {
        return """
                #!/bin/sh
                case "$1" in
                  deconfig)
                    ip -4 addr flush dev "$interface"
                    ip link set "$interface" up
                    ;;
                  bound|renew)
                    ip -4 addr flush dev "$interface"
                    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
                    if [ -n "$router" ]; then
                      while ip route del default dev "$interface" 2>/dev/null; do :; done
                      set -- $router
                      ip route add default via "$1" dev "$interface"
                    fi
                    : > /etc/resolv.conf
                    [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
                    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
                    ;;
                esac
                exit 0
                """;
    }

    private void writeInitramfs(Path target, byte[] busybox, Path modulesRoot) throws IOException, InterruptedException {
        log.println("virtfx guests: building " + target + "...");
        List<String> order = moduleLoadOrder(modulesRoot);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream fileOut = Files.newOutputStream(tmp);
             // Uncompressed on purpose: gunzip in the guest costs a software CPU over a minute per boot, while
             // the few extra megabytes cost nothing to load.
             Cpio cpio = new Cpio(new java.io.BufferedOutputStream(fileOut, 1 << 16))) {
            for (String d : List.of("bin", "sbin", "etc", "etc/init.d", "proc", "sys", "dev", "tmp", "mnt", "root",
                    "lib", "lib/modules", "usr", "usr/share", "usr/share/udhcpc", "etc/udhcpc")) {
                cpio.directory(d, 0755);
            }
            cpio.file("bin/busybox", 0755, busybox);
            for (String applet : List.of("sh", "init", "mount", "insmod", "poweroff", "reboot", "cttyhack", "grep", "cat",
                    "echo", "mkdir", "hostname", "ls", "umount")) {
                cpio.symlink("bin/" + applet, "busybox");
            }
            cpio.symlink("init", "bin/busybox");
            cpio.symlink("sbin/init", "../bin/busybox");
            cpio.file("etc/init.d/rcS", 0755, rcScript().getBytes(StandardCharsets.UTF_8));
            cpio.file("usr/share/udhcpc/default.script", 0755, udhcpcScript().getBytes(StandardCharsets.UTF_8));
            // Debian builds busybox with the script in /etc/udhcpc (upstream: /usr/share/udhcpc)
            cpio.symlink("etc/udhcpc/default.script", "../../usr/share/udhcpc/default.script");
            cpio.file("etc/inittab", 0644, """
                    ::sysinit:/bin/busybox --install -s /bin
                    ::sysinit:/etc/init.d/rcS
                    ::respawn:/bin/cttyhack /bin/sh -l
                    ::ctrlaltdel:/bin/reboot
                    ::shutdown:/bin/umount -a -r
                    """.getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/profile", 0644, "export PS1='virtfx# '\nexport PATH=/bin:/sbin\n".getBytes(StandardCharsets.UTF_8));
            StringBuilder list = new StringBuilder();
            for (String rel : order) {
                byte[] data = Files.readAllBytes(modulesRoot.resolve(rel));
                String name = Path.of(rel).getFileName().toString();
                if (name.endsWith(".xz")) {
                    data = unxz(data);
                    name = name.substring(0, name.length() - 3);
                }
                cpio.file("lib/modules/" + name, 0644, data);
                list.append(name).append('\n');
            }
            cpio.file("etc/modules.order", 0644, list.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Module files (relative to the kernel's module dir) for {@link #MODULES} and their dependencies, in load order.
     * A Debian kernel package ships no modules.dep (depmod makes it at install time), so the dependencies are read
     * from each module's own {@code .modinfo} "depends=" string.
     */
    private List<String> moduleLoadOrder(Path modulesRoot) throws IOException {
        Map<String, String> byName = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(modulesRoot.resolve("kernel"))) {
            s.filter(p -> p.getFileName().toString().matches(".*\\.ko(\\.xz)?$"))
                    .forEach(p -> byName.put(moduleName(p.toString()), modulesRoot.relativize(p).toString()));
        }
        Set<String> ordered = new LinkedHashSet<>();
        for (String want : MODULES) {
            visit(want, byName, modulesRoot, ordered, new LinkedHashSet<>());
        }
        return new ArrayList<>(ordered);
    }

    private void visit(String name, Map<String, String> byName, Path modulesRoot, Set<String> ordered, Set<String> path)
            throws IOException {
        String file = byName.get(name.replace('-', '_'));
        if (file == null || ordered.contains(file) || !path.add(file)) {
            return; // built into the kernel, already placed, or a dependency loop
        }
        byte[] data = Files.readAllBytes(modulesRoot.resolve(file));
        if (file.endsWith(".xz")) {
            try {
                data = unxz(data);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        for (String dep : modinfoDepends(data)) {
            visit(dep, byName, modulesRoot, ordered, path);
        }
        ordered.add(file);
    }

    /** The comma-separated "depends=" entry of a module's .modinfo strings. */
    static List<String> modinfoDepends(byte[] ko) {
        byte[] key = "depends=".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 1; i + key.length < ko.length; i++) {
            if (ko[i - 1] != 0) {
                continue;
            }
            for (int k = 0; k < key.length; k++) {
                if (ko[i + k] != key[k]) {
                    continue outer;
                }
            }
            int start = i + key.length;
            int end = start;
            while (end < ko.length && ko[end] != 0) {
                end++;
            }
            String v = new String(ko, start, end - start, StandardCharsets.US_ASCII).trim();
            return v.isEmpty() ? List.of() : List.of(v.split(","));
        }
        return List.of();
    }

    private static String moduleName(String path) {
        String n = Path.of(path).getFileName().toString();
        n = n.replaceAll("\\.ko(\\.xz|\\.zst|\\.gz)?$", "");
        return n.replace('-', '_');
    }

    private static byte[] unxz(byte[] data) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("xz", "-dc").start();
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (OutputStream o = p.getOutputStream()) {
                o.write(data);
            } catch (IOException ignored) {
                // the reader reports the failure
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        feeder.join();
        if (p.waitFor() != 0) {
            throw new IOException("xz could not decompress a kernel module (is xz-utils installed?)");
        }
        return out;
    }

    // ---------------------------------------------------------------- ISO

    private void buildIso(Path dir, Path kernel, Path initramfs, Path iso) throws IOException, InterruptedException {
        requireTool("grub-mkrescue", "grub-common grub-pc-bin xorriso mtools");
        requireTool("xorriso", "xorriso");
        log.println("virtfx guests: building " + iso + "...");
        Path tree = dir.resolve("iso-tree");
        deleteTree(tree);
        Files.createDirectories(tree.resolve("boot/grub"));
        Files.copy(kernel, tree.resolve("boot/vmlinuz"));
        Files.copy(initramfs, tree.resolve("boot/initramfs.cpio"));
        Files.writeString(tree.resolve("boot/grub/grub.cfg"), """
                serial --unit=0 --speed=115200
                terminal_input serial console
                terminal_output serial console
                set timeout=1
                set default=0
                menuentry "VirtFX guest" {
                  linux /boot/vmlinuz console=tty0 console=ttyS0,115200 %s
                  initrd /boot/initramfs.cpio
                }
                menuentry "VirtFX guest (power off when ready)" {
                  linux /boot/vmlinuz console=tty0 console=ttyS0,115200 %s virtfx.poweroff
                  initrd /boot/initramfs.cpio
                }
                """.formatted(GuestFixtures.FAST_BOOT_ARGS, GuestFixtures.FAST_BOOT_ARGS));
        Path tmp = iso.resolveSibling(iso.getFileName() + ".tmp.iso");
        Path platformDir = Path.of("/usr/lib/grub/i386-pc");
        List<String> cmd = new ArrayList<>(List.of("grub-mkrescue"));
        if (Files.isDirectory(platformDir)) {
            cmd.addAll(List.of("-d", platformDir.toString()));
        }
        cmd.addAll(List.of("-o", tmp.toString(), tree.toString()));
        Result r = exec(cmd, dir);
        if (r.code != 0 || !Files.isRegularFile(tmp)) {
            throw new IOException("grub-mkrescue failed to build " + iso + ":\n" + r.output.strip());
        }
        Files.move(tmp, iso, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(tree);
    }

    // ---------------------------------------------------------------- helpers

    private static void copyAtomically(Path from, Path to) throws IOException {
        if (!Files.isRegularFile(from)) {
            throw new IOException("expected file missing from the unpacked package: " + from);
        }
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireTool(String tool, String packages) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new IOException("virtfx guests needs '" + tool + "'; install it with: sudo apt-get install " + packages);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private record Result(int code, String output) {
    }

    private static Result exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        return new Result(p.waitFor(), out.toString(StandardCharsets.UTF_8));
    }
}
