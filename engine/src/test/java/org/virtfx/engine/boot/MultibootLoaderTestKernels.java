package org.virtfx.engine.boot;

import java.nio.file.Path;

/** Access to the nasm-built multiboot test kernels for tests in other packages. */
public final class MultibootLoaderTestKernels {
    private MultibootLoaderTestKernels() {
    }

    /** The a.out-kludge kernel (skips the calling test when nasm is missing). */
    public static Path aout(Path dir) throws Exception {
        return MultibootLoaderTest.build(dir, "multiboot-aout", false);
    }
}
