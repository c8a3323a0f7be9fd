package org.virtfx.engine.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtfx.engine.storage.CheckResult;
import org.virtfx.engine.storage.CreateOptions;
import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.storage.QemuTools;
import org.virtfx.engine.storage.RepairMode;

/**
 * kill -9 at random moments while a child JVM writes: the metadata write order must leave at worst leaked clusters,
 * never corruption (qemu-img check exit 0 or 3, never 2).
 */
@Tag("guest")
class Qcow2CrashTest {
    private static final int ITERATIONS = Integer.getInteger("virtfx.crash.iterations", 20);

    @TempDir
    Path tmp;

    @Test
    void killNineLeavesAtWorstLeaks() throws Exception {
        QemuTools.assumeAvailable();
        Path img = tmp.resolve("crash.qcow2");
        // small clusters: many allocations, refcount block creation and table growth happen while being killed
        try (DiskImage d = DiskImages.create(img, "qcow2", CreateOptions.ofSize(64L << 20).withClusterSize(4096))) {
            d.flush();
        }
        Random rnd = new Random(42);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int leaky = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), Qcow2CrashWriter.class.getName(), img.toString(),
                    Long.toString(rnd.nextLong())).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            String first = out.readLine();
            assertEquals("writing", first, "child did not start writing");
            Thread.sleep(20 + rnd.nextInt(400));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            QemuTools.Result r = QemuTools.run("qemu-img", "check", img.toString());
            assertTrue(r.exit() == 0 || r.exit() == 3, "iteration " + i + ": qemu-img check exit " + r.exit()
                    + "\n" + r.output());
            if (r.exit() == 3) {
                leaky++;
            }
            try (DiskImage d = DiskImages.open(img, true)) {
                CheckResult c = d.check(RepairMode.NONE);
                assertEquals(0, c.corruptions(), "iteration " + i + ": " + c.messages());
            }
        }
        try (DiskImage d = DiskImages.open(img, false)) {
            d.check(RepairMode.LEAKS);
        }
        QemuTools.ok("qemu-img", "check", img.toString());
        System.out.println("crash test: " + ITERATIONS + " kills, " + leaky + " left leaked clusters");
    }
}
