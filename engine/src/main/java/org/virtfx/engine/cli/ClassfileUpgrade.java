package org.virtfx.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the class files of a jar that are older than Java 6 (version 50) as Java 8 class files (version 52) with
 * stack maps, unchanged otherwise. Why: the JDK's class-data archives (CDS, the JDK 25 AOT cache) skip old class files,
 * which the split verifier cannot check, and picocli ships Java 5 class files; loading and verifying its ~180 classes
 * at every start was half of a short command such as {@code virtfx img info}. The launcher runs this once per build
 * for the command line's class path ({@code java -cp ... org.virtfx.engine.cli.ClassfileUpgrade OUTDIR JAR...}: it
 * prints the new class path, with upgraded copies in OUTDIR for the jars that needed it) and trains the AOT cache on
 * that class path. A jar that cannot be rewritten is kept as it is: the archive then just leaves its classes out.
 */
public final class ClassfileUpgrade {
    /** Class files below this version are not archived by CDS. */
    static final int FIRST_ARCHIVABLE = ClassFile.JAVA_6_VERSION;

    private ClassfileUpgrade() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ClassfileUpgrade OUTDIR [JAR|DIR ...]  (prints the class path to use)");
            System.exit(ExitStatus.BAD_INPUT);
        }
        Path outDir = Path.of(args[0]);
        List<String> path = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            for (String entry : args[i].split(java.io.File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    path.add(upgraded(Path.of(entry), outDir).toString());
                }
            }
        }
        System.out.println(String.join(java.io.File.pathSeparator, path));
    }

    /** {@code jar} itself when it holds no old class files (or is not a jar), else its upgraded copy in {@code outDir}. */
    static Path upgraded(Path jar, Path outDir) throws IOException {
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar") || !hasOldClasses(jar)) {
            return jar;
        }
        Files.createDirectories(outDir);
        Path out = outDir.resolve(jar.getFileName());
        Path tmp = Files.createTempFile(outDir, jar.getFileName().toString(), ".tmp");
        try {
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                // stack maps need the common super class of merged types: the JDK's and the jar's own classes
                ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                        ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                                .orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
                try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
                     OutputStream os = Files.newOutputStream(tmp);
                     ZipOutputStream zout = new ZipOutputStream(os)) {
                    for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                        byte[] bytes = in.readAllBytes();
                        if (isClass(e) && version(bytes) < FIRST_ARCHIVABLE) {
                            bytes = upgrade(cf, bytes);
                        }
                        ZipEntry copy = new ZipEntry(e.getName());
                        copy.setTime(e.getTime());
                        zout.putNextEntry(copy);
                        zout.write(bytes);
                        zout.closeEntry();
                    }
                    zout.finish();
                    os.flush();
                }
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--")); // like the original
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the temporary file's permissions will do
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException | RuntimeException e) {
            // an unusual class file (jsr/ret, a missing super class): keep the original jar
            System.err.println("virtfx: " + jar.getFileName() + " kept as it is (" + e.getMessage() + ")");
            return jar;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The class file as version 52 with generated stack maps (every method body is rebuilt for that). */
    static byte[] upgrade(ClassFile cf, byte[] classFile) {
        ClassModel model = cf.parse(classFile);
        return cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ClassTransform.endHandler(b -> b.withVersion(ClassFile.JAVA_8_VERSION, 0))));
    }

    private static boolean hasOldClasses(Path jar) throws IOException {
        try (InputStream is = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(is)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (isClass(e)) {
                    byte[] head = in.readNBytes(8);
                    if (version(head) < FIRST_ARCHIVABLE) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Versioned entries (META-INF/versions/N) are compiled for newer releases and left alone. */
    private static boolean isClass(ZipEntry e) {
        return !e.isDirectory() && e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/");
    }

    /** The major version of a class file (its bytes 6-7), or a large number when it is not one. */
    static int version(byte[] classFile) {
        if (classFile.length < 8 || (classFile[0] & 0xFF) != 0xCA || (classFile[1] & 0xFF) != 0xFE) {
            return Integer.MAX_VALUE;
        }
        return ((classFile[6] & 0xFF) << 8) | (classFile[7] & 0xFF);
    }
}
