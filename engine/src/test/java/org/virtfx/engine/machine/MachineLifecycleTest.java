package org.virtfx.engine.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MachineLifecycleTest {
    private static MachineConfig config(int cpus) {
        return MachineConfig.minimal("test", 16 * MachineConfig.MIB, cpus);
    }

    private static void await(Machine m, MachineState s) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (m.state() != s && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(s, m.state());
    }

    @Test
    void legalTransitionsOnly() {
        assertTrue(MachineState.DEFINED.canGoTo(MachineState.RUNNING));
        assertFalse(MachineState.DEFINED.canGoTo(MachineState.PAUSED));
        assertFalse(MachineState.SHUT_OFF.canGoTo(MachineState.PAUSED));
        assertTrue(MachineState.PAUSED.canGoTo(MachineState.RUNNING));
        assertTrue(MachineState.CRASHED.canGoTo(MachineState.RUNNING));
        assertFalse(MachineState.CRASHED.canGoTo(MachineState.PAUSED));
    }

    @Test
    void startPauseResumePowerOff() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> { });
        List<MachineState> seen = new CopyOnWriteArrayList<>();
        try (Machine m = new Machine(config(2), f)) {
            m.addListener(new MachineListener() {
                @Override
                public void stateChanged(Machine machine, MachineState o, MachineState n) {
                    seen.add(n);
                }
            });
            assertThrows(IllegalTransitionException.class, m::pause);
            m.start();
            assertEquals(MachineState.RUNNING, m.state());
            while (f.last.cpus.get(1).steps.get() < 3) {
                Thread.sleep(1);
            }
            m.pause();
            long a = f.last.cpus.get(0).steps.get();
            Thread.sleep(50);
            assertEquals(a, f.last.cpus.get(0).steps.get(), "a paused vCPU runs no guest code");
            long frozen = m.uptimeNanos();
            Thread.sleep(20);
            assertEquals(frozen, m.uptimeNanos(), "the clock stands still while paused");
            m.resume();
            while (f.last.cpus.get(0).steps.get() == a) {
                Thread.sleep(1);
            }
            m.powerOff();
            assertTrue(f.last.closed);
            assertThrows(IllegalTransitionException.class, m::resume);
            assertEquals(List.of(MachineState.RUNNING, MachineState.PAUSED, MachineState.RUNNING, MachineState.SHUT_OFF), seen);
        }
    }

    @Test
    void guestPowerOffEndsTheRunWithItsExitCode() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> {
            if (v.steps.get() == 5) {
                v.board.context.guestPowerOff((7 << 1) | 1);
            }
        });
        try (Machine m = new Machine(config(1), f)) {
            m.start();
            await(m, MachineState.SHUT_OFF);
            assertEquals(15, m.exitCode());
            // A shut-off machine can start again with a new board.
            m.start();
            await(m, MachineState.SHUT_OFF);
        }
    }

    @Test
    void tripleFaultCrashesWithRegisters() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> v.tripleFault = v.steps.get() == 3);
        try (Machine m = new Machine(config(1), f)) {
            CountDownLatch crashed = new CountDownLatch(1);
            m.addListener(new MachineListener() {
                @Override
                public void event(Machine machine, MachineEvent e) {
                    if (e.kind() == MachineEvent.Kind.CRASHED) {
                        crashed.countDown();
                    }
                }
            });
            m.start();
            assertTrue(crashed.await(10, TimeUnit.SECONDS));
            await(m, MachineState.CRASHED);
            assertTrue(m.crashReason().contains("triple fault"));
            assertTrue(m.crashReason().contains("EIP=0000fff0"));
        }
    }

    @Test
    void tripleFaultResetsWhenConfigured() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> v.tripleFault = v.steps.get() == 3);
        MachineConfig c = new MachineConfig("t", 16 * MachineConfig.MIB, 1, null, null, null, "", null, List.of(), false,
                MachineConfig.TripleFaultAction.RESET);
        try (Machine m = new Machine(c, f)) {
            m.start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (f.last.resets.get() < 2 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertTrue(f.last.resets.get() >= 2, "each triple fault resets the board");
            assertEquals(MachineState.RUNNING, m.state());
        }
    }

    @Test
    void engineErrorCrashesOnlyThatMachine() throws Exception {
        FakeBoard.Factory bad = new FakeBoard.Factory(v -> {
            if (v.steps.get() == 2) {
                throw new IllegalStateException("bad guest");
            }
        });
        FakeBoard.Factory good = new FakeBoard.Factory(v -> { });
        try (Machine a = new Machine(config(1), bad); Machine b = new Machine(config(1), good)) {
            a.start();
            b.start();
            await(a, MachineState.CRASHED);
            assertTrue(a.crashReason().contains("bad guest"));
            assertEquals(MachineState.RUNNING, b.state());
            long s = good.last.cpus.get(0).steps.get();
            // progress, however slowly a loaded machine schedules it (a fixed 30 ms wait once saw none at load 6)
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (good.last.cpus.get(0).steps.get() <= s && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(good.last.cpus.get(0).steps.get() > s, "the other machine keeps running");
            a.powerOff();
            assertEquals(MachineState.SHUT_OFF, a.state());
        }
    }

    @Test
    void shutdownRequestPressesThePowerButtonAndResetKeepsRunning() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> { });
        try (Machine m = new Machine(config(1), f)) {
            m.start();
            m.reset();
            assertEquals(1, f.last.resets.get());
            assertEquals(MachineState.RUNNING, m.state());
            m.requestShutdown();
            assertEquals(MachineState.SHUTTING_DOWN, m.state());
            assertEquals(1, f.last.powerButtons.get());
            m.powerOff();
            assertEquals(MachineState.SHUT_OFF, m.state());
        }
    }

    @Test
    void rebootRequestResetsTheSameRunWhenTheGuestPowersOff() throws Exception {
        FakeBoard.Factory f = new FakeBoard.Factory(v -> {
            // The "guest" answers the power button by powering off (as an ACPI guest's shutdown ends in SLP_EN).
            if (v.board.powerButtons.get() > v.board.resets.get()) {
                v.board.context.guestPowerOff(0);
            }
        });
        List<MachineEvent.Kind> events = new CopyOnWriteArrayList<>();
        try (Machine m = new Machine(config(1), f)) {
            m.addListener(new MachineListener() {
                @Override
                public void event(Machine machine, MachineEvent e) {
                    events.add(e.kind());
                }
            });
            m.start();
            FakeBoard board = f.last;
            m.requestReboot();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (board.resets.get() == 0 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            await(m, MachineState.RUNNING);
            assertEquals(1, board.powerButtons.get(), "the guest was asked through ACPI");
            assertEquals(1, board.resets.get(), "its power-off became a platform reset");
            assertTrue(f.last == board && !board.closed, "the same board keeps running: no stop and start");
            assertTrue(events.contains(MachineEvent.Kind.RESET) && !events.contains(MachineEvent.Kind.POWERED_OFF), events.toString());
            m.requestShutdown();   // a later plain shutdown powers off again
            await(m, MachineState.SHUT_OFF);
            assertTrue(board.closed);
        }
    }

    @Test
    void boardErrorsLeaveTheMachineDefined() {
        BoardFactory broken = (c, ctx) -> {
            throw new IOException("no such file: /nope.bin");
        };
        try (Machine m = new Machine(config(1), broken)) {
            IOException e = assertThrows(IOException.class, m::start);
            assertTrue(e.getMessage().contains("/nope.bin"));
            assertEquals(MachineState.DEFINED, m.state());
        }
    }
}
