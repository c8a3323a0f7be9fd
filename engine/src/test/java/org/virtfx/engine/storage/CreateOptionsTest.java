package org.virtfx.engine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class CreateOptionsTest {
    @Test
    void parsesQemuOptionStrings() {
        CreateOptions o = CreateOptions.parse(-1, "cluster_size=2M,lazy_refcounts=on,backing_file=a,,b.qcow2,"
                + "backing_fmt=qcow2,compat=0.10,preallocation=falloc,refcount_bits=8,adapter_type=lsilogic");
        assertEquals(-1, o.size());
        assertEquals(2 << 20, o.clusterSize());
        assertTrue(o.lazyRefcounts());
        assertEquals("a,b.qcow2", o.backingFile());
        assertEquals("qcow2", o.backingFormat());
        assertEquals("0.10", o.compat());
        assertEquals(Preallocation.FALLOC, o.preallocation());
        assertEquals(8, o.refcountBits());
        assertEquals(Map.of("adapter_type", "lsilogic"), o.formatOptions());
        assertEquals(1L << 30, CreateOptions.parse(5, "size=1G").size());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(-1, ""));
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(1, "cluster_size=3000"));
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(1, "lazy_refcounts=maybe"));
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(1, "preallocation=lots"));
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(1, "novalue"));
        assertThrows(IllegalArgumentException.class, () -> CreateOptions.parse(1, "refcount_bits=3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CreateOptions.parse(1, "adapter_type=ide").requireOnly("qcow2", java.util.Set.of()));
        assertTrue(e.getMessage().contains("adapter_type"));
    }

    @Test
    void qcow2ValidatesCombinations() {
        java.nio.file.Path p = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "never-created.qcow2");
        assertThrows(IllegalArgumentException.class,
                () -> DiskImages.create(p, "qcow2", CreateOptions.parse(1 << 20, "compat=0.10,lazy_refcounts=on")));
        assertThrows(IllegalArgumentException.class,
                () -> DiskImages.create(p, "qcow2", CreateOptions.parse(1 << 20, "extended_l2=on,cluster_size=4k")));
        assertThrows(IllegalArgumentException.class,
                () -> DiskImages.create(p, "qcow2", CreateOptions.parse(1 << 20, "compression_type=zstd")));
        assertThrows(IllegalArgumentException.class, () -> DiskImages.format("qcow3"));
    }
}
