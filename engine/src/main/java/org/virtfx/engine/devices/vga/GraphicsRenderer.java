package org.virtfx.engine.devices.vga;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.virtfx.engine.display.FrameBuffer;

/**
 * Draws VGA graphics modes (planar 16-colour, CGA 4-colour interleaved, 256-colour chained or unchained "mode X") and
 * VBE linear modes (8/15/16/24/32 bpp, and 4-bit planar).
 *
 * <p>A line is rendered only when the VRAM pages it scans were written or a register/palette change forces a full
 * redraw; {@link FrameBuffer#commitLine} then reports only pixels that really changed.
 */
final class GraphicsRenderer {
    private final VgaRegisters regs;
    private final VgaMemory mem;
    private final VbeDispi vbe;
    private int[] line = new int[VbeDispi.MAX_XRES];
    private byte[] lineBytes = new byte[0];
    private final int[] palette16 = new int[16];
    private final int[] palette256 = new int[256];
    private int lastDisplayVersion = -1;
    private int lastPaletteVersion = -1;
    private int lastVbeVersion = -1;

    GraphicsRenderer(VgaRegisters regs, VgaMemory mem, VbeDispi vbe) {
        this.regs = regs;
        this.mem = mem;
        this.vbe = vbe;
    }

    void invalidate() {
        lastDisplayVersion = -1;
    }

    /** Returns true (and refreshes the palettes) when everything must be redrawn. */
    private boolean checkFull() {
        boolean full = lastDisplayVersion != regs.displayVersion() || lastPaletteVersion != regs.paletteVersion()
                || lastVbeVersion != vbe.version();
        if (full) {
            for (int i = 0; i < 16; i++) {
                palette16[i] = regs.dacColor(regs.attributeToDac(i));
            }
            for (int i = 0; i < 256; i++) {
                palette256[i] = regs.dacColor(i);
            }
            lastDisplayVersion = regs.displayVersion();
            lastPaletteVersion = regs.paletteVersion();
            lastVbeVersion = vbe.version();
        }
        return full;
    }

    private int[] lineBuffer(int width) {
        if (line.length < width) {
            line = new int[width];
        }
        return line;
    }

    // ------------------------------------------------------------------ legacy VGA

    /** Logical width of the current VGA graphics mode. */
    int vgaWidth() {
        int chars = regs.horizontalChars();
        return (regs.gc[5] & 0x40) != 0 ? chars * 4 : chars * 8;
    }

    private boolean cgaInterleave() {
        return (regs.crtc[0x17] & 3) != 3;
    }

    int vgaHeight() {
        int lines = (regs.verticalDisplayEnd() + 1) >> (regs.doubleScan() ? 1 : 0);
        return cgaInterleave() ? lines : lines / (regs.maxScanLine() + 1);
    }

    void renderVga(FrameBuffer fb) {
        int width = Math.min(vgaWidth(), VbeDispi.MAX_XRES);
        int height = Math.max(1, Math.min(vgaHeight(), VbeDispi.MAX_YRES));
        fb.resize(width, height);
        boolean full = checkFull();
        if (!full && !mem.anyDirty()) {
            return; // nothing written, no register changed: the frame stands
        }
        boolean mode256 = (regs.gc[5] & 0x40) != 0;
        boolean cga = !mode256 && (regs.gc[5] & 0x20) != 0;
        int chars = mode256 ? (width + 3) / 4 : (width + 7) / 8;
        int msl = regs.maxScanLine() + 1;
        int physPerLine = (regs.doubleScan() ? 2 : 1) * (cgaInterleave() ? 1 : msl);
        int lineCompare = regs.lineCompare();
        int splitY = lineCompare / physPerLine + 1;
        int planeMask = regs.attr[0x12] & 0x0F;
        // Horizontal PEL panning: 0-7 pixels (planar), 0-3 in 256-colour modes; one more character clock is
        // fetched so the panned-in pixels exist.
        int pan = mode256 ? (regs.attr[0x13] & 7) >> 1 : regs.attr[0x13] & 7;
        boolean resetPanAtSplit = (regs.attr[0x10] & 0x20) != 0;
        int[] buf = lineBuffer(width + 8);
        int fetch = pan > 0 ? chars + 1 : chars;
        for (int y = 0; y < height; y++) {
            int base = y >= splitY ? 0 : regs.startAddress();
            int rowIndex = y >= splitY ? y - splitY : y;
            int row = cgaInterleave() ? rowIndex / msl : rowIndex;
            int sub = cgaInterleave() ? rowIndex % msl : 0;
            int counter = base + row * regs.rowStep();
            int firstAddr = regs.scanLineAddress(regs.memoryAddress(counter), sub) & 0xFFFF;
            int lastAddr = regs.scanLineAddress(regs.memoryAddress(counter + fetch - 1), sub) & 0xFFFF;
            if (!full) {
                boolean dirty = lastAddr < firstAddr ? true : mem.isDirty(firstAddr << 2, (lastAddr - firstAddr + 1) << 2);
                if (!dirty) {
                    continue;
                }
            }
            int linePan = y >= splitY && resetPanAtSplit ? 0 : pan;
            int limit = width + linePan;
            int x = 0;
            for (int c = 0; c < (linePan > 0 ? chars + 1 : chars); c++) {
                int addr = regs.scanLineAddress(regs.memoryAddress(counter + c), sub) & 0xFFFF;
                int p = mem.planes(addr);
                if (mode256) {
                    for (int k = 0; k < 4 && x < limit; k++) {
                        buf[x++] = palette256[(p >>> (8 * k)) & 0xFF];
                    }
                } else if (cga) {
                    x = cgaPixels(p, buf, x, limit);
                } else {
                    int p0 = p & 0xFF;
                    int p1 = (p >>> 8) & 0xFF;
                    int p2 = (p >>> 16) & 0xFF;
                    int p3 = p >>> 24;
                    for (int bit = 7; bit >= 0 && x < limit; bit--) {
                        int idx = (p0 >> bit & 1) | (p1 >> bit & 1) << 1 | (p2 >> bit & 1) << 2 | (p3 >> bit & 1) << 3;
                        buf[x++] = palette16[idx & planeMask];
                    }
                }
            }
            fb.commitLine(y, buf, linePan, width);
        }
    }

    /** CGA 4-colour shift mode: plane 0 gives the first four 2-bit pixels, plane 1 the next four. */
    private int cgaPixels(int p, int[] buf, int x, int width) {
        for (int half = 0; half < 2; half++) {
            int low = (p >>> (8 * half)) & 0xFF;
            int high = (p >>> (8 * (half + 2))) & 0xFF;
            for (int k = 3; k >= 0 && x < width; k--) {
                int idx = (low >> (2 * k) & 3) | (high >> (2 * k) & 3) << 2;
                buf[x++] = palette16[idx & regs.attr[0x12] & 0x0F];
            }
        }
        return x;
    }

    // ------------------------------------------------------------------ VBE

    void renderVbe(FrameBuffer fb) {
        int width = vbe.xres();
        int height = vbe.yres();
        fb.resize(width, height);
        boolean full = checkFull();
        if (!full && !mem.anyDirty()) {
            return;
        }
        int bpp = vbe.bpp();
        int pitch = vbe.lineLength();
        int start = vbe.startOffset();
        int bytesPerLine = bpp == 4 ? (width + 7) / 8 : width * vbe.bytesPerPixel();
        int[] buf = lineBuffer(width);
        for (int y = 0; y < height; y++) {
            int off = start + y * pitch;
            if (off + bytesPerLine > mem.size()) {
                break;
            }
            // 4 bpp: offsets count interleaved VRAM bytes, 4 per plane offset (as QEMU's line offset does).
            if (!full && !mem.isDirty(off, bpp == 4 ? bytesPerLine << 2 : bytesPerLine)) {
                continue;
            }
            convertLine(off, bpp, width, bytesPerLine, buf);
            fb.commitLine(y, buf, 0, width);
        }
    }

    private byte[] lineBytes(int n) {
        if (lineBytes.length < n) {
            lineBytes = new byte[n];
        }
        return lineBytes;
    }

    private void convertLine(int vramOffset, int bpp, int width, int bytesPerLine, int[] buf) {
        if (bpp == 32) {
            MemorySegment.copy(mem.vram, VgaMemory.LE_INT, vramOffset, buf, 0, width);
            for (int x = 0; x < width; x++) {
                buf[x] |= 0xFF000000;
            }
            return;
        }
        byte[] v = null;
        int off = 0;
        if (bpp != 4) { // one bulk copy of the line out of VRAM, then byte-array conversion
            v = lineBytes(bytesPerLine);
            MemorySegment.copy(mem.vram, ValueLayout.JAVA_BYTE, vramOffset, v, 0, bytesPerLine);
        } else {
            off = vramOffset;
        }
        switch (bpp) {
            case 24 -> {
                for (int x = 0, o = off; x < width; x++, o += 3) {
                    buf[x] = 0xFF000000 | (v[o + 2] & 0xFF) << 16 | (v[o + 1] & 0xFF) << 8 | (v[o] & 0xFF);
                }
            }
            case 16 -> {
                for (int x = 0, o = off; x < width; x++, o += 2) {
                    int p = (v[o] & 0xFF) | (v[o + 1] & 0xFF) << 8;
                    int r = p >> 11 & 0x1F;
                    int g = p >> 5 & 0x3F;
                    int b = p & 0x1F;
                    buf[x] = 0xFF000000 | (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
                }
            }
            case 15 -> {
                for (int x = 0, o = off; x < width; x++, o += 2) {
                    int p = (v[o] & 0xFF) | (v[o + 1] & 0xFF) << 8;
                    int r = p >> 10 & 0x1F;
                    int g = p >> 5 & 0x1F;
                    int b = p & 0x1F;
                    buf[x] = 0xFF000000 | (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
                }
            }
            case 8 -> {
                for (int x = 0; x < width; x++) {
                    buf[x] = palette256[v[off + x] & 0xFF];
                }
            }
            default -> { // 4-bit planar
                int planeOffset = off >> 2;
                for (int x = 0; x < width; x++) {
                    int p = mem.planes(planeOffset + (x >> 3));
                    int bit = 7 - (x & 7);
                    int idx = (p >> bit & 1) | (p >> (8 + bit) & 1) << 1 | (p >> (16 + bit) & 1) << 2 | (p >> (24 + bit) & 1) << 3;
                    buf[x] = palette16[idx];
                }
            }
        }
    }

    /** Fills the frame black (screen blanked by the sequencer or the attribute controller). */
    void renderBlank(FrameBuffer fb) {
        int w = fb.width();
        int[] buf = lineBuffer(w);
        java.util.Arrays.fill(buf, 0, w, 0xFF000000);
        for (int y = 0; y < fb.height(); y++) {
            fb.commitLine(y, buf, 0, w);
        }
    }
}
