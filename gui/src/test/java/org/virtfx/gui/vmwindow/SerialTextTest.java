package org.virtfx.gui.vmwindow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SerialTextTest {
    @Test
    void terminalControlSequencesAreDropped() {
        assertEquals("~ # ls\nbin  dev\n", SerialConsolePane.plain("\u001B[1;34m~ # \u001B[0mls\nbin  \u001B[0;0mdev\n"));
        assertEquals("plain", SerialConsolePane.plain("plain\u0007"));
        assertEquals("a[b", SerialConsolePane.plain("a[b"));
    }
}
