package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The start-up cache's class path: picocli's Java 5 class files come out as verified-loadable Java 8 class files that
 * still work, and jars without old class files are used as they are.
 */
class ClassfileUpgradeTest {
    @TempDir
    Path tmp;

    @Test
    void picocliBecomesArchivableAndStillParses() throws Exception {
        Path picocli = Path.of(CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(minVersion(picocli) < ClassfileUpgrade.FIRST_ARCHIVABLE, "picocli ships old class files");
        Path out = ClassfileUpgrade.upgraded(picocli, tmp.resolve("lib"));
        assertNotEquals(picocli, out);
        assertTrue(minVersion(out) >= ClassfileUpgrade.FIRST_ARCHIVABLE, "every class file is version 50 or newer");
        assertEquals(entries(picocli), entries(out), "the same entries, resources included");

        // the app class loader verifies what it loads: link every upgraded class, then parse a command line with them
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            for (String e : entries(out)) {
                if (e.endsWith(".class") && !e.startsWith("META-INF/")) {
                    Class.forName(e.substring(0, e.length() - 6).replace('/', '.'), true, loader);
                }
            }
            Class<?> cl = Class.forName("picocli.CommandLine", true, loader);
            Class<?> spec = Class.forName("picocli.CommandLine$Model$CommandSpec", true, loader);
            Object cmd = spec.getMethod("create").invoke(null);
            Class<?> optionSpec = Class.forName("picocli.CommandLine$Model$OptionSpec", true, loader);
            Object builder = optionSpec.getMethod("builder", String.class, String[].class)
                    .invoke(null, "-m", new String[0]);
            Method type = builder.getClass().getMethod("type", Class.class);
            type.setAccessible(true); // declared in a package-private superclass
            type.invoke(builder, int.class);
            spec.getMethod("addOption", optionSpec).invoke(cmd, builder.getClass().getMethod("build").invoke(builder));
            Object line = cl.getConstructor(Object.class).newInstance(cmd);
            Object parsed = cl.getMethod("parseArgs", String[].class).invoke(line, (Object) new String[] {"-m", "3"});
            Method matched = parsed.getClass().getMethod("matchedOptionValue", String.class, Object.class);
            assertEquals(3, matched.invoke(parsed, "-m", 0));
        }
    }

    @Test
    void modernJarsAndDirectoriesAreKept() throws Exception {
        Path jackson = Path.of(com.fasterxml.jackson.core.JsonFactory.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        assertEquals(jackson, ClassfileUpgrade.upgraded(jackson, tmp.resolve("lib")));
        assertEquals(tmp, ClassfileUpgrade.upgraded(tmp, tmp.resolve("lib")));
        assertTrue(Files.notExists(tmp.resolve("lib")), "nothing written for them");
    }

    private static int minVersion(Path jar) throws Exception {
        int min = Integer.MAX_VALUE;
        try (InputStream is = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(is)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    min = Math.min(min, ClassfileUpgrade.version(in.readNBytes(8)));
                }
            }
        }
        return min;
    }

    private static List<String> entries(Path jar) throws Exception {
        List<String> names = new ArrayList<>();
        try (InputStream is = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(is)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
