package org.virtfx.engine.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import org.virtfx.engine.storage.DiskImage;
import org.virtfx.engine.storage.DiskImages;

/** Child process of {@link Qcow2CrashTest}: writes to a qcow2 image at random until it is killed. */
public final class Qcow2CrashWriter {
    private Qcow2CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path img = Path.of(args[0]);
        Random rnd = new Random(Long.parseLong(args[1]));
        try (DiskImage d = DiskImages.open(img, false)) {
            long size = d.size();
            boolean announced = false;
            while (true) {
                long off = rnd.nextLong(size);
                int len = (int) Math.min(size - off, 1 + rnd.nextInt(rnd.nextBoolean() ? 8192 : 200_000));
                int op = rnd.nextInt(10);
                if (op < 8) {
                    byte[] b = new byte[len];
                    rnd.nextBytes(b);
                    d.write(off, ByteBuffer.wrap(b));
                } else if (op == 8) {
                    d.writeZeroes(off, len);
                } else {
                    d.discard(off, len);
                }
                if (!announced) {
                    System.out.println("writing");
                    System.out.flush();
                    announced = true;
                }
            }
        }
    }
}
