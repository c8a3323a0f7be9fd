package org.virtfx.engine.storage;

import java.util.Locale;

/** qemu-img's {@code preallocation=} values. */
public enum Preallocation {
    /** Nothing is allocated up front; the file grows as data is written. */
    OFF,
    /** Format metadata (tables) for the whole disk is written at creation; data stays sparse. */
    METADATA,
    /** Space is reserved with fallocate(2) (metadata written too); reads give zeros. */
    FALLOC,
    /** Every byte is written (zeros) so the file is fully allocated. */
    FULL;

    /** qemu-img's spelling: "off", "metadata", "falloc", "full". */
    public String qemuName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Preallocation parse(String text) {
        for (Preallocation p : values()) {
            if (p.qemuName().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("invalid preallocation '" + text + "' (expected off, metadata, falloc or full)");
    }
}
