package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lazily registered subcommands: a named branch runs, and every way to ask for help still lists every choice. */
class SubcommandsTest {
    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.execute(args);
            return new String[] {Integer.toString(status), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void usageListsEveryCommandAndVerb() {
        String top = run("--help")[1];
        for (String name : new String[] {"run", "guests", "demo", "vm", "trace-diff", "cpu-test", "img", "help"}) {
            assertTrue(top.contains("  " + name + " "), name + " missing from:\n" + top);
        }
        for (String[] args : new String[][] {{"img", "--help"}, {"help", "img"}, {"img"}}) {
            String img = run(args)[1];
            for (String verb : new String[] {"create", "info", "check", "convert", "snapshot", "resize", "compare", "map", "rebase"}) {
                assertTrue(img.contains("  " + verb + " "), verb + " missing from 'virtfx " + String.join(" ", args) + "':\n" + img);
            }
        }
        assertTrue(run("vm", "--help")[1].contains("  delete "));
        assertTrue(run("guests", "--help")[1].contains("  fetch "));
    }

    @Test
    void aNamedVerbRunsAndAnUnknownOneIsReported() {
        String[] r = run("img", "info", "/nonexistent/virtfx-subcommands-test.qcow2");
        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].contains("virtfx-subcommands-test.qcow2"), r[2]);
        String[] unknown = run("img", "inspect", "x");
        assertEquals(Integer.toString(ExitStatus.BAD_INPUT), unknown[0], unknown[2]);
        assertTrue(unknown[2].contains("'inspect'"), unknown[2]);
    }
}
