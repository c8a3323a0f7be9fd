package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.net.HostForward;

/** `virtfx run --nic`: QEMU's -nic syntax into NicConfig, with errors that name the option and the bad part. */
class NicOptionTest {
    @Test
    void userCardsWithDefaultsCountingUpAndOptions() {
        List<NicConfig> nics = RunCommand.parseNics(List.of("user", "none",
                "user,model=e1000,mac=52:54:00:AA:BB:CC,hostfwd=tcp::2222-:22,hostfwd=udp:127.0.0.1:5353-:53", "user"));
        assertEquals(3, nics.size(), "none adds no card");
        assertEquals(new NicConfig("virtio-net", "52:54:00:12:34:56", "user"), nics.get(0));
        assertEquals("e1000", nics.get(1).model());
        assertEquals("52:54:00:aa:bb:cc", nics.get(1).mac());
        assertEquals(List.of(HostForward.parse("tcp::2222-:22"), HostForward.parse("udp:127.0.0.1:5353-:53")),
                nics.get(1).forwards());
        assertEquals("52:54:00:12:34:58", nics.get(2).mac(), "third card: QEMU's default MAC plus two");
        assertTrue(RunCommand.parseNics(List.of()).isEmpty());
    }

    @Test
    void badSpecsAreRefusedByName() {
        assertMessage("tap", "expected user or none first, got 'tap'");
        assertMessage("user,mac=01:00:00:00:00:01", "multicast");
        assertMessage("user,mac=nope", "not a MAC address");
        assertMessage("user,hostfwd=tcp::99999-:22", "port forward 'tcp::99999-:22'");
        assertMessage("user,speed=10", "unknown option 'speed'");
        assertMessage("user,model", "expected KEY=VALUE, got 'model'");
        assertMessage("none,model=e1000", "'none' takes no options");
    }

    private static void assertMessage(String spec, String part) {
        RunCommand.UsageException e = assertThrows(RunCommand.UsageException.class,
                () -> RunCommand.parseNics(List.of(spec)));
        assertTrue(e.getMessage().startsWith("--nic " + spec) && e.getMessage().contains(part), e.getMessage());
    }
}
