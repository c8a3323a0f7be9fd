package org.virtfx.engine.storage.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.virtfx.engine.storage.AbstractDiskImage;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.ImageFormatException;
import org.virtfx.engine.storage.ImageInfo;
import org.virtfx.engine.storage.MapExtent;
import org.virtfx.engine.storage.NativeFiles;
import org.virtfx.engine.storage.OpenOptions;
import org.virtfx.engine.storage.Ranges;
import org.virtfx.engine.storage.RepairMode;
import org.virtfx.engine.storage.blockmap.BlockMappedImage;

/**
 * An open VMDK: a descriptor and its extents laid end to end (flat files, sparse extents, zero extents). Unallocated
 * grains of sparse extents read from the parent image ({@code parentFileNameHint}) when there is one, else zeros.
 */
final class VmdkImage extends AbstractDiskImage {
    private volatile boolean skipCloseFlush;
    /** One piece of the virtual disk. */
    private sealed interface Extent permits Flat, Sparse, Zero {
        long bytes();
    }

    private record Flat(Path file, FileChannel ch, long fileOffset, long bytes, boolean writable) implements Extent {
    }

    /** {@code type} is the descriptor's extent type, or "" for the extent holding the descriptor itself. */
    private record Sparse(SparseExtent sx, long bytes, boolean writable, String type) implements Extent {
    }

    private record Zero(long bytes) implements Extent {
    }

    private VmdkDescriptor descriptor;
    /** Where the descriptor text lives: {embedded offset in bytes, capacity in bytes}, or null for a descriptor file. */
    private long[] embeddedDescriptor;
    private String descriptorText;
    private final List<Extent> extents;
    private final long[] starts;
    private final DiskImage backing;
    private final List<FileChannel> channels;

    private VmdkImage(VmdkFormat format, Path file, boolean readOnly, VmdkDescriptor descriptor, List<Extent> extents,
                      DiskImage backing, List<FileChannel> channels) {
        long[] starts = new long[extents.size() + 1];
        for (int i = 0; i < extents.size(); i++) {
            starts[i + 1] = starts[i] + extents.get(i).bytes();
        }
        super(format, file, readOnly, starts[extents.size()]);
        this.descriptor = descriptor;
        this.extents = extents;
        this.starts = starts;
        this.backing = backing;
        this.channels = channels;
    }

    static VmdkImage open(VmdkFormat format, Path file, OpenOptions options) throws IOException {
        List<FileChannel> channels = new ArrayList<>();
        try {
            return openExtents(format, file, options, channels);
        } catch (IOException | RuntimeException e) {
            for (FileChannel c : channels) {
                c.close();
            }
            throw e;
        }
    }

    private static FileChannel channel(Path p, boolean readOnly, List<FileChannel> channels) throws IOException {
        FileChannel c = readOnly ? FileChannel.open(p, java.nio.file.StandardOpenOption.READ)
                : FileChannel.open(p, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
        channels.add(c);
        return c;
    }

    private static VmdkImage openExtents(VmdkFormat format, Path file, OpenOptions options, List<FileChannel> channels)
            throws IOException {
        boolean ro = options.readOnly();
        FileChannel main = channel(file, ro, channels);
        ByteBuffer head = BlockMappedImage.readStructure(main, file, 0, Math.min(main.size(), 512), "VMDK header");
        VmdkDescriptor desc;
        String descText = null;
        long[] descAt = null;
        SparseExtent embedded = null;
        if (SparseExtent.hasMagic(head)) {
            embedded = SparseExtent.open(file, main);
            long dOff = head.order(ByteOrder.LITTLE_ENDIAN).getLong(28);
            long dSize = head.getLong(36);
            if (dOff <= 0 || dSize <= 0) {
                // a bare sparse extent without descriptor: treat it as a monolithicSparse disk of its capacity
                desc = new VmdkDescriptor("monolithicSparse", 0xFFFFFFFFL, 0xFFFFFFFFL, null, List.of(
                        new VmdkDescriptor.ExtentLine("RW", embedded.capacity, "SPARSE", file.getFileName().toString(), 0)),
                        null);
            } else {
                if (dSize * 512 > VmdkDescriptor.MAX_TEXT) {
                    throw new ImageFormatException(file, "VMDK embedded descriptor is absurdly large (" + dSize + " sectors)");
                }
                ByteBuffer d = BlockMappedImage.readStructure(main, file, dOff * 512, dSize * 512, "VMDK embedded descriptor");
                descText = text(d);
                descAt = new long[] {dOff * 512, dSize * 512};
                desc = VmdkDescriptor.parse(file, descText);
            }
        } else {
            long len = main.size();
            if (len > VmdkDescriptor.MAX_TEXT) {
                throw new ImageFormatException(file, "not a VMDK image (no KDMV magic, and too large for a descriptor file)");
            }
            ByteBuffer d = BlockMappedImage.readStructure(main, file, 0, len, "VMDK descriptor");
            String t = text(d);
            if (!t.contains("# Disk DescriptorFile") && !t.contains("createType")) {
                throw new ImageFormatException(file, "not a VMDK image (no KDMV magic and no descriptor)");
            }
            descText = t;
            desc = VmdkDescriptor.parse(file, t);
        }
        if (desc.extents().isEmpty()) {
            throw new ImageFormatException(file, "VMDK descriptor lists no extents");
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Extent> extents = new ArrayList<>();
        boolean embeddedUsed = false;
        for (VmdkDescriptor.ExtentLine el : desc.extents()) {
            long bytes = el.sectors() * 512;
            boolean writable = el.access().equals("RW") && !ro;
            switch (el.type()) {
                case "ZERO" -> extents.add(new Zero(bytes));
                case "FLAT", "VMFS" -> {
                    Path p = resolve(file, dir, el);
                    if (el.access().equals("NOACCESS")) {
                        throw new ImageFormatException(file, "VMDK extent " + p + " is NOACCESS");
                    }
                    FileChannel c = p.equals(file) ? main : channel(p, !writable, channels);
                    extents.add(new Flat(p, c, el.offset() * 512, bytes, writable));
                }
                case "SPARSE", "VMFSSPARSE" -> {
                    Path p = resolve(file, dir, el);
                    SparseExtent sx;
                    String shownType = el.type();
                    if (embedded != null && !embeddedUsed && Files.isSameFile(p, file)) {
                        sx = embedded;
                        embeddedUsed = true;
                        shownType = "";
                    } else {
                        sx = SparseExtent.open(p, channel(p, !writable, channels));
                    }
                    if (sx.sizeBytes() < bytes) {
                        throw new ImageFormatException(p, "VMDK sparse extent holds " + sx.capacity
                                + " sectors but the descriptor says " + el.sectors());
                    }
                    extents.add(new Sparse(sx, bytes, writable && !sx.compressed(), shownType));
                }
                default -> throw new ImageFormatException(file, "VMDK extent type " + el.type() + " is not supported");
            }
        }
        DiskImage backing = null;
        if (desc.parentFileNameHint() != null && desc.parentCid() != 0xFFFFFFFFL && options.backing() != null) {
            Path bp = DiskImages.resolveBacking(file, desc.parentFileNameHint());
            backing = options.backing().open(file, bp, null);
        }
        VmdkImage img = new VmdkImage(format, file, ro, desc, List.copyOf(extents), backing, channels);
        img.descriptorText = descText;
        img.embeddedDescriptor = descAt;
        return img;
    }

    private static Path resolve(Path descFile, Path dir, VmdkDescriptor.ExtentLine el) throws ImageFormatException {
        if (el.fileName() == null || el.fileName().isEmpty()) {
            throw new ImageFormatException(descFile, "VMDK " + el.type() + " extent has no file name");
        }
        Path p = Path.of(el.fileName());
        Path r = p.isAbsolute() ? p : (dir == null ? p : dir.resolve(p));
        if (!Files.exists(r)) {
            throw new ImageFormatException(descFile, "VMDK extent file " + r + " does not exist");
        }
        return r;
    }

    private static String text(ByteBuffer d) {
        byte[] a = new byte[d.remaining()];
        d.get(a);
        int end = 0;
        while (end < a.length && a[end] != 0) {
            end++;
        }
        return new String(a, 0, end, StandardCharsets.UTF_8);
    }

    static void append(List<MapExtent> out, MapExtent m) {
        if (!out.isEmpty() && out.getLast().canMerge(m)) {
            out.set(out.size() - 1, out.getLast().merge(m));
        } else {
            out.add(m);
        }
    }

    private int extentAt(long pos) {
        int lo = 0;
        int hi = extents.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        checkRange(offset, len);
        long pos = offset;
        while (dst.hasRemaining()) {
            int i = extentAt(pos);
            Extent e = extents.get(i);
            long in = pos - starts[i];
            int n = (int) Math.min(dst.remaining(), e.bytes() - in);
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (e) {
                case Zero z -> BlockMappedImage.fillZeros(part);
                case Flat f -> BlockMappedImage.readFully(f.ch(), part, f.fileOffset() + in, f.file());
                case Sparse s -> readSparse(s.sx(), pos, in, part);
            }
            dst.position(dst.position() + n);
            pos += n;
        }
        counters.countRead(len);
    }

    private void readSparse(SparseExtent sx, long diskPos, long in, ByteBuffer part) throws IOException {
        long gb = sx.grainBytes();
        long p = in;
        long dp = diskPos;
        while (part.hasRemaining()) {
            int inGrain = (int) (p % gb);
            int n = (int) Math.min(part.remaining(), gb - inGrain);
            ByteBuffer piece = part.slice(part.position(), n);
            if (!sx.readInGrain(p / gb, inGrain, piece)) {
                readBacking(dp, piece);
            }
            part.position(part.position() + n);
            p += n;
            dp += n;
        }
    }

    private void readBacking(long diskPos, ByteBuffer piece) throws IOException {
        if (backing == null || diskPos >= backing.size()) {
            BlockMappedImage.fillZeros(piece);
            return;
        }
        int inBacking = (int) Math.min(piece.remaining(), backing.size() - diskPos);
        ByteBuffer b = piece.slice(piece.position(), inBacking);
        backing.read(diskPos, b);
        piece.position(piece.position() + inBacking);
        BlockMappedImage.fillZeros(piece);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int len = src.remaining();
        checkWrite(offset, len);
        long pos = offset;
        while (src.hasRemaining()) {
            int i = extentAt(pos);
            Extent e = extents.get(i);
            long in = pos - starts[i];
            int n = (int) Math.min(src.remaining(), e.bytes() - in);
            ByteBuffer part = src.slice(src.position(), n);
            switch (e) {
                case Zero z -> throw new IOException(file + ": cannot write to a ZERO extent");
                case Flat f -> {
                    if (!f.writable()) {
                        throw new IOException(f.file() + ": VMDK extent is read-only");
                    }
                    BlockMappedImage.writeFully(f.ch(), part, f.fileOffset() + in);
                }
                case Sparse s -> {
                    if (!s.writable()) {
                        throw new IOException(s.sx().file + ": VMDK extent is read-only"
                                + (s.sx().compressed() ? " (streamOptimized images are written only by convert)" : ""));
                    }
                    writeSparse(s.sx(), pos, in, part);
                }
            }
            src.position(src.position() + n);
            pos += n;
        }
        counters.countWrite(len);
    }

    private void writeSparse(SparseExtent sx, long diskPos, long in, ByteBuffer part) throws IOException {
        long gb = sx.grainBytes();
        long p = in;
        long dp = diskPos;
        while (part.hasRemaining()) {
            long g = p / gb;
            int inGrain = (int) (p % gb);
            int n = (int) Math.min(part.remaining(), gb - inGrain);
            ByteBuffer piece = part.slice(part.position(), n);
            long host = -1;
            // under the extent's lock: two writers to one fresh grain must not both fill it from the parent
            synchronized (sx) {
                long e = sx.gte(g);
                boolean fresh = e == 0 || sx.isZeroGte(e);
                if (fresh && BlockMappedImage.isAllZero(piece) && (e != 0 || backing == null)) {
                    host = -1; // already reads as zeros
                } else if (fresh && e == 0 && backing != null && n < gb) {
                    // copy-on-write: the rest of the grain comes from the parent
                    ByteBuffer whole = ByteBuffer.allocate((int) gb);
                    readBacking(dp - inGrain, whole);
                    whole.clear();
                    host = sx.allocatedGrain(g);
                    BlockMappedImage.writeFully(sx.ch, whole, host);
                } else {
                    host = sx.allocatedGrain(g);
                }
            }
            if (host >= 0) {
                BlockMappedImage.writeFully(sx.ch, piece, host + inGrain);
            }
            part.position(part.position() + n);
            p += n;
            dp += n;
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            for (FileChannel c : channels) {
                c.force(true);
            }
        }
        counters.countFlush();
    }

    @Override
    public DiskImage backing() {
        return backing;
    }

    VmdkDescriptor descriptor() {
        return descriptor;
    }

    /** Rewrites parentCID and parentFileNameHint in the descriptor ({@code virtfx img rebase}). */
    @Override
    public synchronized void changeBackingFile(String backingFile, String backingFormat) throws IOException {
        Ranges.checkWritable(file, readOnly);
        if (backingFormat != null && !backingFormat.equals("vmdk")) {
            throw new IllegalArgumentException("a vmdk image can only have a vmdk backing file (got " + backingFormat + ")");
        }
        if (descriptorText == null) {
            throw new IOException(file + ": this VMDK has no descriptor to record a backing file in");
        }
        long parentCid = 0xFFFFFFFFL;
        if (backingFile != null) {
            try (DiskImage parent = DiskImages.open(DiskImages.resolveBacking(file, backingFile), "vmdk", true, false)) {
                parentCid = ((VmdkImage) parent).descriptor.cid();
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String line : descriptorText.split("\n", -1)) {
            String t = line.trim();
            if (t.startsWith("parentFileNameHint")) {
                continue;
            }
            if (t.startsWith("parentCID")) {
                sb.append(String.format("parentCID=%08x", parentCid)).append('\n');
                continue;
            }
            sb.append(line).append('\n');
            if (t.startsWith("createType") && backingFile != null) {
                sb.append("parentFileNameHint=\"").append(backingFile).append("\"\n");
            }
        }
        String text = sb.toString().replaceAll("\n+$", "\n");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (embeddedDescriptor != null) {
            if (bytes.length > embeddedDescriptor[1]) {
                throw new IOException(file + ": the new descriptor does not fit the " + embeddedDescriptor[1]
                        + " bytes reserved for it");
            }
            ByteBuffer b = ByteBuffer.allocate((int) embeddedDescriptor[1]).put(bytes).clear();
            BlockMappedImage.writeFully(channels.getFirst(), b, embeddedDescriptor[0]);
            channels.getFirst().force(true);
        } else {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            try (FileChannel c = FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        descriptorText = text;
        descriptor = VmdkDescriptor.parse(file, text);
    }

    @Override
    public ImageInfo info() throws IOException {
        long actual = 0;
        List<Path> seen = new ArrayList<>();
        seen.add(file);
        actual += NativeFiles.allocatedBytes(file);
        List<Object> ex = new ArrayList<>();
        int cluster = 0;
        for (Extent e : extents) {
            Map<String, Object> m = new LinkedHashMap<>();
            Path p = switch (e) {
                case Flat f -> f.file();
                case Sparse s -> s.sx().file;
                case Zero z -> null;
            };
            if (p != null && !seen.contains(p)) {
                seen.add(p);
                actual += NativeFiles.allocatedBytes(p);
            }
            if (e instanceof Sparse s && s.sx().compressed()) {
                m.put("compressed", true);
            }
            m.put("virtual-size", e.bytes());
            m.put("filename", p == null ? "" : p.toString());
            if (e instanceof Sparse s) {
                m.put("cluster-size", s.sx().grainBytes());
                if (cluster == 0) {
                    cluster = (int) s.sx().grainBytes();
                }
                m.put("format", s.type());
            } else {
                m.put("format", e instanceof Flat ? "FLAT" : "ZERO");
            }
            ex.add(m);
        }
        Map<String, Object> specific = new LinkedHashMap<>();
        specific.put("cid", descriptor.cid());
        specific.put("parent-cid", descriptor.parentCid());
        specific.put("create-type", descriptor.createType());
        specific.put("extents", ex);
        String bname = descriptor.parentFileNameHint() != null && descriptor.parentCid() != 0xFFFFFFFFL
                ? descriptor.parentFileNameHint() : null;
        return new ImageInfo("vmdk", file, size, actual, cluster, bname,
                bname == null ? null : DiskImages.resolveBacking(file, bname), null, false, List.of(), specific);
    }

    @Override
    public List<MapExtent> mapLayer(long offset, long length) throws IOException {
        checkRange(offset, length);
        List<MapExtent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            int i = extentAt(pos);
            Extent e = extents.get(i);
            long in = pos - starts[i];
            long n = Math.min(end - pos, e.bytes() - in);
            switch (e) {
                case Zero z -> append(out, new MapExtent(pos, n, 0, true, true, false, false, -1, null));
                case Flat f -> append(out, new MapExtent(pos, n, 0, true, false, true, false, f.fileOffset() + in, f.file()));
                case Sparse s -> s.sx().map(starts[i], in, n, backing != null, out);
            }
            pos += n;
        }
        return out;
    }

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        List<String> msgs = new ArrayList<>();
        long[] c = new long[3]; // corruptions, allocated grains, total grains
        for (Extent e : extents) {
            if (e instanceof Sparse s) {
                s.sx().check(msgs, c);
            }
        }
        // like qemu-img, VMDK checks report only errors (no cluster statistics)
        return new CheckResult(c[0], 0, 0, 0, 0, 0, 0, 0, 0, 0, msgs);
    }

    @Override
    public void skipFlushOnClose() {
        skipCloseFlush = true;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel c : channels) {
            try {
                if (!readOnly && c.isOpen() && !skipCloseFlush) {
                    c.force(true);
                }
                c.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (backing != null) {
            backing.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
