package org.virtfx.wizards.newvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.wizards.HostLimits;
import org.virtfx.wizards.WizardContext;

/** The New VM rules without a window: host bounds, OS recommendations, storage warnings, the definition built. */
class NewVmModelTest {
    @TempDir
    Path dir;

    private NewVmModel model(HostLimits host) {
        return new NewVmModel(new WizardContext(new VmOperations(new VmLibrary(dir.resolve("machines"))), dir.resolve("images"),
                "qcow2", null, OsCatalog.bundled(), host));
    }

    @Test
    void memoryAndCpusAreBoundedByTheHostAndRecommendationsFollowTheOs() {
        NewVmModel m = model(new HostLimits(4096, 1000, 2));
        var win11 = OsCatalog.bundled().byShortId("win11").orElseThrow();
        m.os.set(win11);
        assertEquals(3072, m.memoryMiB.get(), "Windows 11's 4 GiB recommendation capped at host memory minus 1 GiB");
        assertEquals(2, m.cpus.get());
        assertEquals(win11.name(), m.name.get(), "named after the OS");
        assertNull(m.memoryProblem());
        assertNotNull(m.memoryWarning(), "more than the free memory, and below Windows 11's minimum");
        m.memoryMiB.set(5000);
        assertTrue(m.memoryProblem().contains("At most 3072 MiB"), m.memoryProblem());
        m.cpus.set(3);
        assertTrue(m.cpusProblem().contains("2 hardware threads"), m.cpusProblem());
    }

    @Test
    void kernelSourceBuildsADirectBootDefinitionAndStorageIsChecked() throws IOException {
        NewVmModel m = model(new HostLimits(8192, 8192, 4));
        m.source.set(NewVmModel.Source.KERNEL);
        Path notKernel = Files.writeString(dir.resolve("vmlinuz"), "hello");
        m.kernel.set(notKernel);
        assertTrue(m.sourceProblem().contains("not a Linux kernel"), m.sourceProblem());
        assertEquals(NewVmModel.StorageChoice.NEW, m.storage.get());
        m.diskSizeGiB.set(0);
        assertNotNull(m.storageProblem());
        m.diskSizeGiB.set(1);
        m.os.set(OsCatalog.bundled().byShortId("debian12").orElseThrow());
        m.diskSizeGiB.set(1);
        assertTrue(m.storageWarning().contains("recommends"), m.storageWarning());
        m.name.set("Direct");
        VmDefinition.Nic nic = m.definition().nics().getFirst();
        assertEquals("virtio-net", nic.model(), "user-mode NAT on a virtio-net card by default");
        assertEquals("user", nic.network());
        m.network.set("none");
        VmDefinition d = m.definition();
        assertEquals(notKernel.toAbsolutePath().toString(), d.kernel());
        assertEquals("console=ttyS0 console=tty0", d.append());
        assertTrue(d.nics().isEmpty());
        assertEquals(dir.resolve("images/Direct.qcow2"), m.newDisk().orElseThrow().file());
        m.source.set(NewVmModel.Source.IMPORT);
        assertEquals(NewVmModel.StorageChoice.NONE, m.storage.get(), "an imported disk needs no new one");
    }
}
