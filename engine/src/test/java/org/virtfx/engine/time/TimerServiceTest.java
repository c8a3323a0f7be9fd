package org.virtfx.engine.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class TimerServiceTest {
    @Test
    void timersFireInDeadlineOrderUnderTheDeviceLock() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        VirtualClock clock = new VirtualClock();
        clock.start();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        try (TimerService ts = new TimerService(clock, lock)) {
            ts.start("t");
            long now = clock.nanos();
            for (String name : List.of("c", "a", "b")) {
                long at = now + switch (name) {
                    case "a" -> 1_000_000L;
                    case "b" -> 2_000_000L;
                    default -> 3_000_000L;
                };
                ts.newTimer(name, () -> {
                    order.add(name + (lock.isHeldByCurrentThread() ? "" : "!"));
                    assertTrue(clock.nanos() >= at, "never early");
                    done.countDown();
                }).armAt(at);
            }
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("a", "b", "c"), order);
        }
    }

    @Test
    void cancelledAndRearmedTimers() throws Exception {
        VirtualClock clock = new VirtualClock();
        clock.start();
        CountDownLatch fired = new CountDownLatch(1);
        try (TimerService ts = new TimerService(clock, new ReentrantLock())) {
            ts.start("t");
            TimerService.Timer never = ts.newTimer("never", () -> { throw new AssertionError("cancelled timer fired"); });
            never.armAfter(1_000_000);
            never.cancel();
            assertFalse(never.armed());
            TimerService.Timer t = ts.newTimer("t", fired::countDown);
            t.armAfter(10_000_000_000L);
            t.armAfter(1_000_000); // re-arming replaces the earlier deadline
            assertTrue(fired.await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void virtualTimeStopsWhilePausedAndDelaysTimers() throws Exception {
        VirtualClock clock = new VirtualClock();
        clock.start();
        Thread.sleep(5);
        clock.pause();
        long t = clock.nanos();
        Thread.sleep(20);
        assertEquals(t, clock.nanos());
        assertEquals(Long.MAX_VALUE, clock.hostNanosUntil(t + 1));
        long hostRestart = System.nanoTime();
        clock.start();
        long advanced = clock.nanos() - t;
        assertTrue(advanced >= 0);
        assertTrue(advanced <= System.nanoTime() - hostRestart, "paused time is not counted");
        clock.set(5_000_000_000L);
        assertTrue(clock.nanos() >= 5_000_000_000L);
    }
}
