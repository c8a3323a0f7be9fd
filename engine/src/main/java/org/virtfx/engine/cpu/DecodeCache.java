package org.virtfx.engine.cpu;

import org.virtfx.engine.memory.GuestMemory;

/**
 * A vCPU's decoded-instruction cache: direct-mapped by the RAM offset of the instruction's first byte (a
 * guest-physical location, so it survives paging changes and serves every virtual alias), keyed also by the code
 * mode, and valid only while the page's {@link CodePages} version is unchanged (self-modifying code, writes through
 * another mapping, DMA). Forms the {@link InsnDecoder} leaves to the interpreter are cached too (with no
 * handler), so that they cost one lookup and not a decode attempt each time.
 */
final class DecodeCache {
    private static final int BITS = 16, MASK = (1 << BITS) - 1;

    private final DecodedInsn[] table = new DecodedInsn[1 << BITS];
    private final CodePages pages;
    private final InsnDecoder decoder;

    DecodeCache(GuestMemory ram) {
        this.pages = CodePages.of(ram);
        this.decoder = new InsnDecoder(ram.segment());
    }

    CodePages pages() {
        return pages;
    }

    /**
     * The instruction at RAM offset {@code ramOffset} decoded for {@code mode}, decoding it now when it is not cached
     * or its page was written since. The caller guarantees that the 16 bytes from there lie in one RAM page.
     */
    DecodedInsn lookup(long ramOffset, int mode) {
        int i = (int) ramOffset & MASK;
        DecodedInsn d = table[i];
        if (d != null && d.ramOffset == ramOffset && d.mode == mode && d.pageVersion == pages.version(ramOffset)) {
            return d;
        }
        int version = pages.beginDecode(ramOffset);
        d = decoder.decode(ramOffset, mode);
        d.ramOffset = ramOffset;
        d.mode = mode;
        d.pageVersion = version;
        if (pages.stillCurrent(ramOffset, version)) {
            DecodedInsn evicted = table[i];
            if (evicted != null) {
                // its links would keep a trail of outdated instructions reachable
                evicted.next = null;
                evicted.other = null;
            }
            table[i] = d;
        } else {
            // written while being decoded (another vCPU or a device): run it uncached, the interpreter reads it afresh
            d.kind = DecodedOps.NONE;
        }
        return d;
    }
}
