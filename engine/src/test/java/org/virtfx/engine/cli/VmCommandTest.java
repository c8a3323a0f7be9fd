package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `virtfx vm`: every subcommand against a library in a temporary folder, through the real command line. */
class VmCommandTest {
    @TempDir
    Path tmp;

    private record Result(int status, String out, String err) {}

    private Result vm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "vm";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Result(cl.execute(all), out.toString(), err.toString());
    }

    @Test
    void createListCloneAddDiskAndDelete() throws Exception {
        String lib = tmp.resolve("lib").toString();
        Path images = tmp.resolve("images");
        Result created = vm("create", "--library", lib, "web", "-m", "256M", "-c", "2", "--os", "debian12",
                "--disk-size", "1M", "--disk-dir", images.toString(), "-p");
        assertEquals(0, created.status(), created.err());
        assertTrue(created.out().contains("created 'web' (os debian12) with disk " + images), created.out());
        Path disk = images.resolve("web.qcow2");
        assertTrue(Files.exists(disk), created.out());

        Result list = vm("list", "--library", lib);
        assertEquals("web\t256 MiB\t2 CPU\t" + disk.toAbsolutePath() + "\n", list.out().replace("\r", ""));

        Result cloned = vm("clone", "--library", lib, "web", "web2", "--disk-dir", images.toString());
        assertEquals(0, cloned.status(), cloned.err());
        assertTrue(cloned.out().startsWith("cloned 'web' as 'web2', disks: "), cloned.out());

        Result added = vm("add-disk", "--library", lib, "web2", "--size", "2M", "--format", "raw", "--disk-dir",
                images.toString());
        assertEquals(0, added.status(), added.err());
        assertTrue(added.out().startsWith("'web2' now has disks: "), added.out());
        assertEquals(2, added.out().split(",").length, added.out());
        assertTrue(added.out().strip().endsWith(".img"), added.out());

        Result neither = vm("add-disk", "--library", lib, "web2");
        assertEquals(ExitStatus.BAD_INPUT, neither.status());
        assertTrue(neither.err().contains("give either --image FILE or --size SIZE"), neither.err());

        Result deleted = vm("delete", "--library", lib, "web2", "--delete-storage");
        assertEquals(0, deleted.status(), deleted.err());
        assertTrue(deleted.out().startsWith("deleted 'web2'"), deleted.out());
        assertTrue(Files.exists(disk), "the original's disk stays");
        assertFalse(vm("list", "--library", lib).out().contains("web2"));
    }

    @Test
    void everySubcommandTakesTheLibraryOption() {
        for (String sub : new String[] {"list", "create", "clone", "add-disk", "delete"}) {
            Result help = vm(sub, "--help");
            assertEquals(0, help.status(), sub);
            assertTrue(help.out().contains("--library=DIR"), sub + ": " + help.out());
        }
    }
}
