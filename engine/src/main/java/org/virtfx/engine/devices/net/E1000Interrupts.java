package org.virtfx.engine.devices.net;

import static org.virtfx.engine.devices.net.E1000Registers.*;

import java.io.IOException;
import java.util.function.Consumer;
import org.virtfx.engine.machine.MachineContext;
import org.virtfx.engine.snapshot.StateReader;
import org.virtfx.engine.snapshot.StateWriter;
import org.virtfx.engine.time.TimerService;

/**
 * The e1000's interrupt logic: causes collect in ICR, the INTx line is (ICR & IMS) != 0, and moderation runs on the
 * virtual clock as on the card: RDTR delays RXT0 until the receive side has been quiet that long (RADV caps the wait
 * from the first frame), TIDV/TADV do the same for TXDW of descriptors with IDE, FPD in RDTR/TIDV flushes at once,
 * and ITR spaces assertions of the line at least ITR x 256 ns apart.
 */
final class E1000Interrupts {
    /** RDTR, RADV, TIDV and TADV count in units of 1.024 us. */
    private static final long DELAY_UNIT_NS = 1024;

    private final MachineContext ctx;
    private final int[] regs;
    private final Consumer<Boolean> line;
    private final TimerService.Timer rxDelayTimer;
    private final TimerService.Timer txDelayTimer;
    private final TimerService.Timer throttleTimer;
    private boolean asserted;
    private long lastAssertNs = Long.MIN_VALUE / 2;
    /** When the absolute (RADV / TADV) delay of the oldest pending cause runs out; -1 when none is pending. */
    private long rxAbsoluteDeadline = -1;
    private long txAbsoluteDeadline = -1;

    E1000Interrupts(MachineContext ctx, int[] regs, Consumer<Boolean> line) {
        this.ctx = ctx;
        this.regs = regs;
        this.line = line;
        rxDelayTimer = ctx.timers().newTimer("e1000 rx delay", () -> {
            rxAbsoluteDeadline = -1;
            raise(ICR_RXT0);
        });
        txDelayTimer = ctx.timers().newTimer("e1000 tx delay", () -> {
            txAbsoluteDeadline = -1;
            raise(ICR_TXDW);
        });
        throttleTimer = ctx.timers().newTimer("e1000 itr", this::update);
    }

    void reset() {
        rxDelayTimer.cancel();
        txDelayTimer.cancel();
        throttleTimer.cancel();
        rxAbsoluteDeadline = -1;
        txAbsoluteDeadline = -1;
        asserted = false;
        line.accept(false);
    }

    void raise(int causes) {
        regs[ICR >> 2] |= causes;
        update();
    }

    /** Re-evaluates the line after ICR, IMS or ITR changed. */
    void update() {
        boolean level = (regs[ICR >> 2] & regs[IMS >> 2]) != 0;
        if (level && !asserted) {
            long gap = (regs[ITR >> 2] & 0xFFFFL) * 256;
            long now = ctx.clock().nanos();
            if (gap > 0 && now - lastAssertNs < gap) {
                if (!throttleTimer.armed()) {
                    throttleTimer.armAt(lastAssertNs + gap);
                }
                return;
            }
            lastAssertNs = now;
        }
        if (level != asserted) {
            asserted = level;
            line.accept(level);
        }
    }

    /** A transmit descriptor with RS was written back: TXDW now, or after TIDV/TADV when the descriptor had IDE. */
    void transmitWrittenBack(boolean delayed) {
        int tidv = regs[TIDV >> 2] & 0xFFFF;
        if (!delayed || tidv == 0) {
            raise(ICR_TXDW);
            return;
        }
        txAbsoluteDeadline = delayDeadline(regs[TADV >> 2] & 0xFFFF, txAbsoluteDeadline);
        txDelayTimer.armAt(Math.min(txAbsoluteDeadline, ctx.clock().nanos() + tidv * DELAY_UNIT_NS));
    }

    /** A frame was written back: RXT0 now, or after RDTR of quiet (at most RADV after the first). */
    void frameReceived() {
        int rdtr = regs[RDTR >> 2] & 0xFFFF;
        if (rdtr == 0) {
            raise(ICR_RXT0);
            return;
        }
        rxAbsoluteDeadline = delayDeadline(regs[RADV >> 2] & 0xFFFF, rxAbsoluteDeadline);
        rxDelayTimer.armAt(Math.min(rxAbsoluteDeadline, ctx.clock().nanos() + rdtr * DELAY_UNIT_NS));
    }

    /** RDTR.FPD: a delayed RXT0 fires now. */
    void flushReceive() {
        if (rxDelayTimer.armed()) {
            rxDelayTimer.cancel();
            rxAbsoluteDeadline = -1;
            raise(ICR_RXT0);
        }
    }

    /** TIDV.FPD: a delayed TXDW fires now. */
    void flushTransmit() {
        if (txDelayTimer.armed()) {
            txDelayTimer.cancel();
            txAbsoluteDeadline = -1;
            raise(ICR_TXDW);
        }
    }

    /** The absolute deadline of a delayed cause: set by the first event of a burst, unlimited without RADV/TADV. */
    private long delayDeadline(int absolute, long current) {
        if (current >= 0) {
            return current;
        }
        return absolute == 0 ? Long.MAX_VALUE : ctx.clock().nanos() + absolute * DELAY_UNIT_NS;
    }

    void save(StateWriter out) throws IOException {
        out.writeBoolean(asserted).writeLong(lastAssertNs);
        out.writeLong(rxAbsoluteDeadline).writeLong(txAbsoluteDeadline);
        out.writeLong(rxDelayTimer.armed() ? rxDelayTimer.deadline() : -1);
        out.writeLong(txDelayTimer.armed() ? txDelayTimer.deadline() : -1);
        out.writeLong(throttleTimer.armed() ? throttleTimer.deadline() : -1);
    }

    void load(StateReader in) throws IOException {
        asserted = in.readBoolean();
        lastAssertNs = in.readLong();
        rxAbsoluteDeadline = in.readLong();
        txAbsoluteDeadline = in.readLong();
        rearm(rxDelayTimer, in.readLong());
        rearm(txDelayTimer, in.readLong());
        rearm(throttleTimer, in.readLong());
        line.accept(asserted);
    }

    private static void rearm(TimerService.Timer timer, long deadline) {
        if (deadline >= 0) {
            timer.armAt(deadline);
        } else {
            timer.cancel();
        }
    }
}
