package org.virtfx.engine.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostForwardTest {
    @Test
    void readsQemuSyntaxWithDefaults() {
        HostForward f = HostForward.parse("tcp::2222-:22");
        assertFalse(f.udp());
        assertEquals("127.0.0.1", f.hostAddress().getHostAddress());
        assertEquals(2222, f.hostPort());
        assertNull(f.guestAddress());
        assertEquals(22, f.guestPort());
        assertEquals("tcp:127.0.0.1:2222-:22", f.toString());
        assertEquals(f, HostForward.parse(f.toString()));
    }

    @Test
    void readsAddressesAndUdp() {
        HostForward f = HostForward.parse("udp:0.0.0.0:5353-10.0.2.15:53");
        assertTrue(f.udp());
        assertEquals("0.0.0.0", f.hostAddress().getHostAddress());
        assertEquals("10.0.2.15", f.guestAddress().getHostAddress());
        assertEquals(HostForward.parse("::8080-:80").hostPort(), 8080);
    }

    @Test
    void namesTheTextAndTheDefect() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostForward.parse("tcp:2222:22"))
                .getMessage().contains("'tcp:2222:22'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostForward.parse("::70000-:22"))
                .getMessage().contains("70000"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostForward.parse("::22-:0"))
                .getMessage().contains("guest port 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostForward.parse("tcp:localhost:22-:22"))
                .getMessage().contains("not an IPv4 address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostForward.parse("::22-1.2.3.256:22"))
                .getMessage().contains("not an IPv4 address"));
    }
}
