package org.virtfx.engine.devices.vga;

import java.nio.charset.Charset;
import org.virtfx.engine.display.FrameBuffer;

/**
 * Draws VGA text modes: characters from plane 0, attributes from plane 1, glyphs from the guest-loaded fonts in plane
 * 2 (maps A/B selected by the sequencer's character map select and attribute bit 3), 8- or 9-dot cells with line
 * graphics, the hardware cursor and attribute blink.
 *
 * <p>It remembers what each cell showed (character, attribute, cursor and blink phase) and the fonts in use, and
 * redraws only cells whose key changed, so a typing shell costs a few cells per frame.
 */
final class TextRenderer {
    /** Cursor: 8 frames on, 8 off at 60 Hz; blinking characters: 16 on, 16 off. */
    private static final long CURSOR_HALF_PERIOD_NS = 133_333_333L;
    private static final long BLINK_HALF_PERIOD_NS = 266_666_667L;
    private static final int FONT_BYTES = 256 * 32;
    private static final int CURSOR_FLAG = 1 << 16;
    private static final int HIDDEN_FLAG = 1 << 17;
    /** Text modes address plane offsets below 64 KiB: the first 256 KiB of interleaved VRAM. */
    private static final int TEXT_VRAM_BYTES = 256 << 10;

    private final VgaRegisters regs;
    private final VgaMemory mem;
    private int[] cells = new int[0];
    private final byte[] fontA = new byte[FONT_BYTES];
    private final byte[] fontB = new byte[FONT_BYTES];
    private final byte[] scratchFont = new byte[FONT_BYTES];
    private int lastDisplayVersion = -1;
    private int lastPaletteVersion = -1;
    private long lastState = -1;
    private int[] lineBuf = new int[0];
    private final int[] palette = new int[16];

    TextRenderer(VgaRegisters regs, VgaMemory mem) {
        this.regs = regs;
        this.mem = mem;
    }

    /** Geometry of the current text mode. */
    record Geometry(int cols, int rows, int cellWidth, int cellHeight, int widthScale) {
        int width() {
            return cols * cellWidth * widthScale;
        }

        int height() {
            return rows * cellHeight;
        }
    }

    Geometry geometry() {
        int cols = Math.min(regs.horizontalChars(), 256);
        int cellWidth = (regs.seq[1] & 1) != 0 ? 8 : 9;
        int widthScale = (regs.seq[1] & 0x08) != 0 ? 2 : 1;
        int cellHeight = regs.maxScanLine() + 1;
        int lines = (regs.verticalDisplayEnd() + 1) >> (regs.doubleScan() ? 1 : 0);
        int rows = Math.max(1, Math.min(lines / cellHeight, 256));
        return new Geometry(cols, rows, cellWidth, cellHeight, widthScale);
    }

    /** Plane-2 offset of character map {@code n} (0-7): maps 0-3 at 16 KiB steps, 4-7 in between. */
    private static int fontOffset(int n) {
        return (n & 3) * 0x4000 + (n >> 2) * 0x2000;
    }

    private int mapA() {
        int s = regs.seq[3];
        return ((s >> 2) & 3) | ((s >> 5) & 1) << 2;
    }

    private int mapB() {
        int s = regs.seq[3];
        return (s & 3) | ((s >> 4) & 1) << 2;
    }

    private boolean loadFont(int map, byte[] into) {
        int base = fontOffset(map);
        for (int i = 0; i < FONT_BYTES; i++) {
            scratchFont[i] = (byte) mem.plane(2, base + i);
        }
        if (java.util.Arrays.equals(scratchFont, into)) {
            return false;
        }
        System.arraycopy(scratchFont, 0, into, 0, FONT_BYTES);
        return true;
    }

    void invalidate() {
        lastDisplayVersion = -1;
    }

    void render(FrameBuffer fb, long nanos) {
        Geometry g = geometry();
        fb.resize(g.width(), g.height());
        boolean full = lastDisplayVersion != regs.displayVersion() || lastPaletteVersion != regs.paletteVersion();
        int count = g.cols * g.rows;
        if (cells.length != count) {
            cells = new int[count];
            full = true;
        }
        // Fonts are compared only after plane 2 was written (typing and idle frames skip the 16 KiB compare).
        if (full || mem.plane2Written()) {
            full |= loadFont(mapA(), fontA);
            full |= loadFont(mapB(), fontB);
        }
        if (full) {
            java.util.Arrays.fill(cells, -1);
            for (int i = 0; i < 16; i++) {
                palette[i] = regs.dacColor(regs.attributeToDac(i));
            }
            lastDisplayVersion = regs.displayVersion();
            lastPaletteVersion = regs.paletteVersion();
        }
        boolean cursorPhase = (nanos / CURSOR_HALF_PERIOD_NS & 1) == 0;
        boolean blinkPhase = (nanos / BLINK_HALF_PERIOD_NS & 1) == 0;
        boolean blinkEnabled = (regs.attr[0x10] & 0x08) != 0;
        int cursorStart = regs.crtc[0x0A] & 0x1F;
        int cursorEnd = regs.crtc[0x0B] & 0x1F;
        boolean cursorShown = (regs.crtc[0x0A] & 0x20) == 0 && cursorStart <= cursorEnd && cursorPhase;
        int cursorIndex = regs.cursorAddress() - regs.startAddress();
        // What the cells depend on besides VRAM and the registers: when that, the text planes (VRAM's first 256 KiB)
        // and the registers are unchanged, the frame stands and no cell is even looked at.
        long state = (cursorShown ? 1L : 0) | (blinkEnabled && blinkPhase ? 2L : 0) | (long) cursorStart << 2
                | (long) cursorEnd << 7 | (long) (cursorIndex & 0xFFFFF) << 12;
        if (!full && state == lastState && !mem.isDirty(0, TEXT_VRAM_BYTES)) {
            return;
        }
        lastState = state;
        if (needsScanlines(g)) {
            renderScanlines(fb, g, cursorShown, blinkEnabled && !blinkPhase, cursorStart, cursorEnd);
            java.util.Arrays.fill(cells, -1); // the cell cache no longer describes the frame
            return;
        }
        int step = regs.rowStep();
        int start = regs.startAddress();
        int[] px = fb.pixels();
        int stride = g.width();
        for (int r = 0; r < g.rows; r++) {
            int dirtyFrom = -1;
            int dirtyTo = -1;
            for (int c = 0; c < g.cols; c++) {
                int addr = regs.memoryAddress(start + r * step + c) & 0xFFFF;
                int ch = mem.plane(0, addr);
                int at = mem.plane(1, addr);
                int key = ch | at << 8;
                if (cursorShown && r * step + c == cursorIndex) {
                    key |= CURSOR_FLAG;
                }
                if (blinkEnabled && (at & 0x80) != 0 && !blinkPhase) {
                    key |= HIDDEN_FLAG;
                }
                int i = r * g.cols + c;
                if (cells[i] == key) {
                    continue;
                }
                cells[i] = key;
                drawCell(px, stride, g, r, c, ch, at, (key & CURSOR_FLAG) != 0, (key & HIDDEN_FLAG) != 0,
                        cursorStart, cursorEnd);
                if (dirtyFrom < 0) {
                    dirtyFrom = c;
                }
                dirtyTo = c;
            }
            if (dirtyFrom >= 0) {
                int cw = g.cellWidth * g.widthScale;
                fb.markDirty(dirtyFrom * cw, r * g.cellHeight, (dirtyTo - dirtyFrom + 1) * cw, g.cellHeight);
            }
        }
    }

    private void drawCell(int[] px, int stride, Geometry g, int row, int col, int ch, int at, boolean cursor,
            boolean hidden, int cursorStart, int cursorEnd) {
        int x0 = col * g.cellWidth * g.widthScale;
        int y0 = row * g.cellHeight;
        long look = cellLook(ch, at, hidden);
        for (int l = 0; l < g.cellHeight; l++) {
            drawGlyphLine(px, (y0 + l) * stride + x0, g, look, ch, at, l, cursor, cursorStart, cursorEnd);
        }
    }

    /** What a cell's lines share: foreground and background colour packed as {@code fg << 32 | bg}. */
    private long cellLook(int ch, int at, boolean hidden) {
        boolean blinkEnabled = (regs.attr[0x10] & 0x08) != 0;
        int bg = palette[blinkEnabled ? (at >> 4) & 7 : (at >> 4) & 0x0F];
        int fg = hidden ? bg : palette[at & 0x0F];
        return (long) fg << 32 | (bg & 0xFFFFFFFFL);
    }

    /** Scan line {@code l} of a character cell, {@code cellWidth * widthScale} pixels from {@code px[o]}. */
    private void drawGlyphLine(int[] px, int o, Geometry g, long look, int ch, int at, int l, boolean cursor,
            int cursorStart, int cursorEnd) {
        int fg = (int) (look >>> 32);
        int bg = (int) look;
        byte[] font = (at & 0x08) != 0 ? fontA : fontB;
        int cw = g.cellWidth;
        int glyph = l < 32 ? font[ch * 32 + l] & 0xFF : 0;
        int bits = glyph << 1; // 9 bits, leftmost first; line graphics repeat the 8th dot in the 9th
        if (cw == 9 && ch >= 0xC0 && ch <= 0xDF && (regs.attr[0x10] & 0x04) != 0) {
            bits |= glyph & 1;
        }
        if ((cursor && l >= cursorStart && l <= cursorEnd)
                || (l == (regs.crtc[0x14] & 0x1F) && (at & 0x77) == 0x01 && (regs.attr[0x10] & 0x02) != 0)) {
            bits = 0x1FF; // cursor lines, or the underline of monochrome attribute 1
        }
        int scale = g.widthScale;
        if (scale == 1) {
            for (int x = 0; x < cw; x++) {
                px[o + x] = (bits >> (8 - x) & 1) != 0 ? fg : bg;
            }
            return;
        }
        for (int x = 0; x < cw; x++) {
            int color = (bits >> (8 - x) & 1) != 0 ? fg : bg;
            for (int s = 0; s < scale; s++) {
                px[o++] = color;
            }
        }
    }

    // ------------------------------------------------------------------ split screen, smooth scrolling

    /** Horizontal PEL panning in dots: 0-7 in 8-dot modes; in 9-dot modes 8 means none and 0-7 mean 1-8. */
    private int panDots(Geometry g) {
        int p = regs.attr[0x13] & 0x0F;
        if (g.cellWidth == 9) {
            return p < 8 ? p + 1 : 0;
        }
        return p & 7;
    }

    /** Scan-line counter value (in frame rows) after which the line compare register restarts at address 0. */
    private int splitRow() {
        return regs.lineCompare() / (regs.doubleScan() ? 2 : 1) + 1;
    }

    /**
     * The cell cache works while whole character rows are shown from the start address; a split screen (line
     * compare), smooth scrolling (preset row scan, byte panning) or PEL panning shift the picture by scan lines or
     * pixels, and the frame is drawn line by line instead.
     */
    private boolean needsScanlines(Geometry g) {
        return splitRow() < g.height() || (regs.crtc[0x08] & 0x7F) != 0 || panDots(g) != 0;
    }

    private void renderScanlines(FrameBuffer fb, Geometry g, boolean cursorShown, boolean blinkHidden, int cursorStart,
            int cursorEnd) {
        int scale = g.widthScale;
        int cellPixels = g.cellWidth * scale;
        int pan = panDots(g) * scale;
        int[] buf = lineBuffer((g.cols + 1) * cellPixels);
        int top = regs.startAddress() + ((regs.crtc[0x08] >> 5) & 3);   // byte panning: whole characters
        int presetRowScan = regs.crtc[0x08] & 0x1F;
        int splitY = splitRow();
        boolean resetPanAtSplit = (regs.attr[0x10] & 0x20) != 0;
        int step = regs.rowStep();
        int cursorAt = regs.cursorAddress();
        for (int y = 0; y < g.height(); y++) {
            boolean below = y >= splitY;
            // The row scan counter starts at the preset row scan at the top and at 0 after the split.
            int v = below ? y - splitY : y + presetRowScan;
            int rowCounter = (below ? 0 : top) + (v / g.cellHeight) * step;
            int l = v % g.cellHeight;
            int linePan = below && resetPanAtSplit ? 0 : pan;
            int chars = linePan > 0 ? g.cols + 1 : g.cols;
            for (int c = 0; c < chars; c++) {
                int counter = rowCounter + c;
                int addr = regs.memoryAddress(counter) & 0xFFFF;
                int ch = mem.plane(0, addr);
                int at = mem.plane(1, addr);
                boolean hidden = blinkHidden && (at & 0x80) != 0;
                boolean cursor = cursorShown && (counter & 0xFFFF) == cursorAt;
                drawGlyphLine(buf, c * cellPixels, g, cellLook(ch, at, hidden), ch, at, l, cursor, cursorStart,
                        cursorEnd);
            }
            fb.commitLine(y, buf, linePan, g.width());
        }
    }

    private int[] lineBuffer(int n) {
        if (lineBuf.length < n) {
            lineBuf = new int[n];
        }
        return lineBuf;
    }

    /** The characters on screen, one line per row, trailing blanks removed. */
    String text() {
        Geometry g = geometry();
        Charset cp437 = codePage();
        StringBuilder sb = new StringBuilder();
        byte[] row = new byte[g.cols];
        for (int r = 0; r < g.rows; r++) {
            for (int c = 0; c < g.cols; c++) {
                int addr = regs.memoryAddress(regs.startAddress() + r * regs.rowStep() + c) & 0xFFFF;
                int ch = mem.plane(0, addr);
                row[c] = (byte) (ch == 0 ? ' ' : ch);
            }
            String line = new String(row, cp437).stripTrailing();
            sb.append(line).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    private static Charset codePage() {
        try {
            return Charset.forName("IBM437");
        } catch (IllegalArgumentException e) {
            return java.nio.charset.StandardCharsets.ISO_8859_1;
        }
    }
}
